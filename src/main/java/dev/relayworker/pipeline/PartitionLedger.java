package dev.relayworker.pipeline;

import java.util.OptionalLong;
import java.util.TreeSet;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one assigned partition that are taken but not yet done. An offset is done when
 * every record published for it (reply, dead-letter copy) is acknowledged by the broker; requests
 * finish in any order, and the committable offset is the lowest one still pending, or one past
 * the highest seen when none is.
 *
 * <p>Confined to the poll thread; not thread-safe.
 */
final class PartitionLedger {

  private final TopicPartition partition;
  private final TreeSet<Long> pending = new TreeSet<>();
  private long nextOffset = -1;
  private long committed = -1;
  private boolean released;

  PartitionLedger(TopicPartition partition) {
    this.partition = partition;
  }

  TopicPartition partition() {
    return partition;
  }

  void taken(long offset) {
    pending.add(offset);
    nextOffset = Math.max(nextOffset, offset + 1);
  }

  void done(long offset) {
    pending.remove(offset);
  }

  int inFlight() {
    return pending.size();
  }

  /** The offset to commit (the next one to read after a restart), if anything was taken. */
  OptionalLong committable() {
    if (nextOffset < 0) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(pending.isEmpty() ? nextOffset : pending.first());
  }

  /** The committable offset if it moved since the last commit. */
  OptionalLong uncommitted() {
    OptionalLong offset = committable();
    return offset.isPresent() && offset.getAsLong() > committed ? offset : OptionalLong.empty();
  }

  void committed(long offset) {
    committed = Math.max(committed, offset);
  }

  /** The partition was revoked or lost: whatever still finishes for it is dropped. */
  void release() {
    released = true;
  }

  boolean released() {
    return released;
  }
}
