package dev.relayworker.pipeline;

import java.util.OptionalLong;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one assigned partition between being taken and being done. An offset is done
 * when what was published for it is safe: acknowledged by the broker (at least once) or part of
 * a committed transaction (exactly once). Requests finish in any order; the committable offset is
 * the lowest one still pending, and the offsets done above it travel in the commit's metadata
 * ({@link DoneOffsets}) so that whoever reads the partition next skips them.
 *
 * <p>When the done offsets above the committable one would no longer fit in the metadata, the
 * ledger is {@link #full()}: the partition must stop taking new work until the gap closes.
 *
 * <p>Confined to the poll thread; not thread-safe.
 */
final class PartitionLedger {

  /** Room kept free for one more poll's worth of records, so a full ledger is noticed in time. */
  static final int HEADROOM = 500;

  private final TopicPartition partition;
  private final long capacity;
  private final TreeSet<Long> pending = new TreeSet<>();
  private final TreeSet<Long> done = new TreeSet<>();
  private final TreeSet<Long> skip = new TreeSet<>();
  private int unanswered;
  private long nextOffset = -1;
  private long committed = -1;
  private String committedMetadata = "";
  private boolean released;

  PartitionLedger(TopicPartition partition, int metadataMaxBytes) {
    this.partition = partition;
    this.capacity = DoneOffsets.capacity(metadataMaxBytes);
  }

  TopicPartition partition() {
    return partition;
  }

  /**
   * Starts from what the group last committed: offsets recorded as done there are skipped when
   * they come again. Unknown or foreign metadata means nothing is skipped.
   */
  void restore(OffsetAndMetadata last) {
    if (last == null) {
      return;
    }
    committed = last.offset();
    committedMetadata = last.metadata();
    DoneOffsets.decode(last.offset(), last.metadata()).ifPresent(skip::addAll);
  }

  /**
   * Records a consumed offset.
   *
   * @return false when the offset was already done before a restart or hand-over: skip it
   */
  boolean take(long offset) {
    nextOffset = Math.max(nextOffset, offset + 1);
    if (skip.remove(offset)) {
      done.add(offset);
      trimDone();
      return false;
    }
    pending.add(offset);
    unanswered++;
    return true;
  }

  /** A reply for one of this partition's requests was built; it now waits only to be made safe. */
  void answered() {
    unanswered--;
  }

  /**
   * Requests taken and not yet answered: at the relay, waiting for it, or parked. The in-flight
   * cap counts these; answered ones wait at most a commit interval more.
   */
  int unanswered() {
    return unanswered;
  }

  void done(long offset) {
    if (pending.remove(offset)) {
      done.add(offset);
      trimDone();
    }
  }

  int inFlight() {
    return pending.size();
  }

  /** The offset to commit (the next one to read after a restart), if anything was taken. */
  OptionalLong committable() {
    return committable(Set.of());
  }

  /** The offset to commit if the offsets {@code alsoDone} were done too. */
  private OptionalLong committable(Set<Long> alsoDone) {
    if (nextOffset < 0) {
      return OptionalLong.empty();
    }
    long low = nextOffset;
    for (long offset : pending) {
      if (!alsoDone.contains(offset)) {
        low = offset;
        break;
      }
    }
    // Offsets done before a restart and not yet read again are done all the same: step over them,
    // since the committed offset itself always counts as not done.
    while (skip.contains(low)) {
      low++;
    }
    return OptionalLong.of(low);
  }

  /** What to commit, offset and done-set metadata, if either changed since the last commit. */
  OffsetAndMetadata uncommitted() {
    return uncommitted(Set.of());
  }

  /**
   * What to commit, offset and done-set metadata, if either changed since the last commit,
   * counting {@code alsoDone} as done: an exactly-once delivery asks what its transaction would
   * commit before the transaction succeeds, and marks the offsets {@link #done} only once it has.
   */
  OffsetAndMetadata uncommitted(Set<Long> alsoDone) {
    OptionalLong offset = committable(alsoDone);
    if (offset.isEmpty()) {
      return null;
    }
    String metadata = metadata(offset.getAsLong(), alsoDone);
    if (offset.getAsLong() == committed && metadata.equals(committedMetadata)) {
      return null;
    }
    return new OffsetAndMetadata(offset.getAsLong(), metadata);
  }

  void committed(OffsetAndMetadata commit) {
    if (commit.offset() >= committed) {
      committed = commit.offset();
      committedMetadata = commit.metadata();
    }
  }

  /** True when the done offsets above the committable one come close to what the metadata holds. */
  boolean full() {
    OptionalLong low = committable();
    return low.isPresent() && !done.isEmpty() && done.last() - low.getAsLong() >= capacity - HEADROOM;
  }

  /** The partition was revoked or lost: whatever still finishes for it is dropped. */
  void release() {
    released = true;
  }

  boolean released() {
    return released;
  }

  private String metadata(long offset, Set<Long> alsoDone) {
    SortedSet<Long> recorded = new TreeSet<>(done.tailSet(offset + 1));
    recorded.addAll(skip.tailSet(offset + 1));
    alsoDone.stream().filter(done -> done > offset).forEach(recorded::add);
    return DoneOffsets.encode(offset, recorded);
  }

  /** Done offsets below the committable one are covered by the offset itself. */
  private void trimDone() {
    OptionalLong low = committable();
    if (low.isPresent()) {
      done.headSet(low.getAsLong()).clear();
      // Skipped offsets at or above the first unread one still justify stepping over them.
      skip.headSet(pending.isEmpty() ? nextOffset : pending.first()).clear();
    }
  }
}
