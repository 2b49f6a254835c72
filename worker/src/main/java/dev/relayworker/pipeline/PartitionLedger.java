package dev.relayworker.pipeline;

import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one assigned partition between being taken and being done. An offset is done
 * when what was published for it is safe: acknowledged by the broker (at least once) or part of
 * a committed transaction (exactly once). Requests finish in any order; the committable offset is
 * the lowest one still pending, and the offsets done above it travel in the commit's metadata
 * ({@link DoneOffsets}) so that whoever reads the partition next skips them. Done offsets are kept
 * as runs ({@link OffsetRanges}): a million answered behind one stuck request cost one entry.
 *
 * <p>When the done offsets above the committable one might no longer fit in the metadata, even if
 * every request still pending finished in the worst order, the ledger is {@link #full()}: the
 * partition must stop taking new work until the gap closes (the pipeline also moves its parked
 * requests out, so only calls on their way can keep it so).
 *
 * <p>It also counts the bytes its requests hold (records, then their answers) until they are
 * done, for the in-flight byte cap.
 *
 * <p>Confined to the poll thread; not thread-safe.
 */
final class PartitionLedger {

  /** Room kept free for one more poll's worth of records, so a full ledger is noticed in time. */
  static final int HEADROOM = 500;

  private final TopicPartition partition;
  private final int metadataMaxBytes;
  private final long bitsetCapacity;
  /** False for a share group's records, acknowledged one by one: nothing is committed as an offset. */
  private final boolean commitsOffsets;
  /** Offsets taken and not yet done, to the bytes each holds. */
  private final TreeMap<Long, Long> pending = new TreeMap<>();
  private final OffsetRanges done = new OffsetRanges();
  private final OffsetRanges skip = new OffsetRanges();
  private int unanswered;
  private long heldBytes;
  private long nextOffset = -1;
  private long committed = -1;
  private String committedMetadata = "";
  private boolean released;
  /** {@link #full()}'s answer while nothing changed; null when it must be worked out again. */
  private Boolean full;

  PartitionLedger(TopicPartition partition, int metadataMaxBytes) {
    this(partition, metadataMaxBytes, true);
  }

  /** @param commitsOffsets false for a share group: never anything to commit, never {@link #full()} */
  PartitionLedger(TopicPartition partition, int metadataMaxBytes, boolean commitsOffsets) {
    this.commitsOffsets = commitsOffsets;
    this.partition = partition;
    this.metadataMaxBytes = metadataMaxBytes;
    this.bitsetCapacity = DoneOffsets.capacity(metadataMaxBytes);
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
    DoneOffsets.decode(last.offset(), last.metadata()).ifPresent(recorded -> skip.addAll(recorded, 0));
    full = null;
  }

  /**
   * Records a consumed offset.
   *
   * @return false when the offset was already done before a restart or hand-over: skip it
   */
  boolean take(long offset) {
    return take(offset, 0);
  }

  /**
   * Records a consumed offset whose record holds {@code bytes}.
   *
   * @return false when the offset was already done before a restart or hand-over: skip it
   */
  boolean take(long offset, long bytes) {
    nextOffset = Math.max(nextOffset, offset + 1);
    full = null;
    if (skip.remove(offset)) {
      done.add(offset);
      trimDone();
      return false;
    }
    pending.put(offset, bytes);
    heldBytes += bytes;
    unanswered++;
    return true;
  }

  /**
   * The consumer's position moved to {@code position} (KIP-1094's {@code nextOffsets()}): past the
   * records it returned and past any transaction markers after them. With nothing pending, that is
   * what is committed, so a transactional input topic read to its end shows a lag of 0 instead of 1
   * per partition for ever (the marker after the last record is never a record to take). A
   * position behind what was taken changes nothing.
   */
  void readTo(long position) {
    if (position > nextOffset) {
      nextOffset = position;
      full = null;
      trimDone();
    }
  }

  /** A reply for one of this partition's requests was built; it now waits only to be made safe. */
  void answered() {
    unanswered--;
  }

  /** What was built for {@code offset} (its answer, copies) holds {@code bytes} more until it is done. */
  void holds(long offset, long bytes) {
    Long before = pending.computeIfPresent(offset, (key, held) -> held + bytes);
    if (before != null) {
      heldBytes += bytes;
    }
  }

  /**
   * Requests taken and not yet answered: at the relay, waiting for it, or parked. The in-flight
   * cap counts these; answered ones wait at most a commit interval more.
   */
  int unanswered() {
    return unanswered;
  }

  /** Bytes the requests taken and not yet done hold: their records and what was built for them. */
  long heldBytes() {
    return heldBytes;
  }

  void done(long offset) {
    Long bytes = pending.remove(offset);
    if (bytes != null) {
      heldBytes -= bytes;
      done.add(offset);
      full = null;
      trimDone();
    }
  }

  int inFlight() {
    return pending.size();
  }

  /** Whether {@code offset} was taken and is not done yet. */
  boolean isPending(long offset) {
    return pending.containsKey(offset);
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
    for (long offset : pending.keySet()) {
      if (!alsoDone.contains(offset)) {
        low = offset;
        break;
      }
    }
    // Offsets done before a restart and not yet read again are done all the same: step over them,
    // since the committed offset itself always counts as not done.
    return OptionalLong.of(skip.endOfRunAt(low));
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
    if (!commitsOffsets) {
      return null;
    }
    OptionalLong offset = committable(alsoDone);
    if (offset.isEmpty()) {
      return null;
    }
    String metadata = DoneOffsets.encode(offset.getAsLong(), recorded(offset.getAsLong(), alsoDone));
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

  /**
   * True when the done offsets above the committable one might outgrow what the metadata holds:
   * neither the bitset (by span) nor the runs (by their count, plus two more runs for each request
   * still pending, however they finish) is sure to fit.
   */
  boolean full() {
    if (!commitsOffsets) {
      return false;
    }
    if (full == null) {
      full = workOutFull();
    }
    return full;
  }

  private boolean workOutFull() {
    OptionalLong low = committable();
    if (low.isEmpty() || (done.isEmpty() && skip.isEmpty())) {
      return false;
    }
    long top = Math.max(nextOffset, done.isEmpty() ? 0 : done.last() + 1);
    if (top - low.getAsLong() < bitsetCapacity - HEADROOM) {
      return false; // The common case, each turn: no need to look at the runs.
    }
    OffsetRanges recorded = recorded(low.getAsLong(), Set.of());
    long growth = (long) pending.size() * 2 * DoneOffsets.varintBytes(top - low.getAsLong());
    return DoneOffsets.length(low.getAsLong(), recorded) + DoneOffsets.base64Length(growth) + 1 > metadataMaxBytes;
  }

  /** The partition was revoked or lost: whatever still finishes for it is dropped. */
  void release() {
    released = true;
  }

  boolean released() {
    return released;
  }

  /** Every offset above {@code offset} known done: finished here, before a restart, or about to be. */
  private OffsetRanges recorded(long offset, Set<Long> alsoDone) {
    OffsetRanges recorded = new OffsetRanges();
    recorded.addAll(done, offset + 1);
    recorded.addAll(skip, offset + 1);
    alsoDone.stream().filter(also -> also > offset).forEach(recorded::add);
    return recorded;
  }

  /** Done offsets below the committable one are covered by the offset itself. */
  private void trimDone() {
    OptionalLong low = committable();
    if (low.isPresent()) {
      done.removeBelow(low.getAsLong());
      // Skipped offsets at or above the first unread one still justify stepping over them.
      skip.removeBelow(pending.isEmpty() ? nextOffset : pending.firstKey());
    }
  }
}
