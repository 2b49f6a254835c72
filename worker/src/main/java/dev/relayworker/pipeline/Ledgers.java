package dev.relayworker.pipeline;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** The {@link PartitionLedger}s of the partitions assigned now. Confined to the poll thread. */
final class Ledgers {

  private final Map<TopicPartition, PartitionLedger> byPartition = new HashMap<>();
  private final int metadataMaxBytes;
  private final boolean commitsOffsets;

  Ledgers(int metadataMaxBytes) {
    this(metadataMaxBytes, true);
  }

  private Ledgers(int metadataMaxBytes, boolean commitsOffsets) {
    this.metadataMaxBytes = metadataMaxBytes;
    this.commitsOffsets = commitsOffsets;
  }

  /** Ledgers of a share group's records: acknowledged one by one, no offset ever to commit. */
  static Ledgers withoutOffsets() {
    return new Ledgers(0, false);
  }

  PartitionLedger open(TopicPartition partition, OffsetAndMetadata lastCommitted) {
    PartitionLedger ledger = new PartitionLedger(partition, metadataMaxBytes, commitsOffsets);
    ledger.restore(lastCommitted);
    byPartition.put(partition, ledger);
    return ledger;
  }

  PartitionLedger get(TopicPartition partition) {
    return byPartition.get(partition);
  }

  /** The partition's ledger, opened with nothing committed if it has none yet. */
  PartitionLedger getOrOpen(TopicPartition partition) {
    PartitionLedger ledger = byPartition.get(partition);
    return ledger != null ? ledger : open(partition, null);
  }

  /** Forgets the partitions; returns how many of their requests were unfinished. */
  int release(Collection<TopicPartition> partitions) {
    int unfinished = 0;
    for (TopicPartition partition : partitions) {
      PartitionLedger ledger = byPartition.remove(partition);
      if (ledger != null) {
        unfinished += ledger.inFlight();
        ledger.release();
      }
    }
    return unfinished;
  }

  /** The consumer's positions after a poll, for the partitions it moved on ({@link PartitionLedger#readTo}). */
  void readTo(Map<TopicPartition, OffsetAndMetadata> positions) {
    positions.forEach((partition, position) -> {
      PartitionLedger ledger = byPartition.get(partition);
      if (ledger != null && position != null) {
        ledger.readTo(position.offset());
      }
    });
  }

  Set<TopicPartition> partitions() {
    return Set.copyOf(byPartition.keySet());
  }

  Collection<PartitionLedger> all() {
    return byPartition.values();
  }

  /**
   * Offsets (with done-set metadata) that moved since their last commit, counting the offsets in
   * {@code alsoDone} as done (see {@link PartitionLedger#uncommitted}).
   */
  Map<TopicPartition, OffsetAndMetadata> uncommitted(Collection<TopicPartition> partitions,
      Map<TopicPartition, Set<Long>> alsoDone) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : partitions) {
      PartitionLedger ledger = byPartition.get(partition);
      OffsetAndMetadata offset = ledger == null ? null : ledger.uncommitted(alsoDone.getOrDefault(partition, Set.of()));
      if (offset != null) {
        offsets.put(partition, offset);
      }
    }
    return offsets;
  }

  void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach((partition, offset) -> {
      PartitionLedger ledger = byPartition.get(partition);
      if (ledger != null) {
        ledger.committed(offset);
      }
    });
  }

  int inFlight() {
    int total = 0;
    for (PartitionLedger ledger : byPartition.values()) {
      total += ledger.inFlight();
    }
    return total;
  }

  /** Bytes held by the requests of every partition until they are done. */
  long heldBytes() {
    long total = 0;
    for (PartitionLedger ledger : byPartition.values()) {
      total += ledger.heldBytes();
    }
    return total;
  }

  int unanswered() {
    int total = 0;
    for (PartitionLedger ledger : byPartition.values()) {
      total += ledger.unanswered();
    }
    return total;
  }

  boolean anyInFlight(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      PartitionLedger ledger = byPartition.get(partition);
      if (ledger != null && ledger.inFlight() > 0) {
        return true;
      }
    }
    return false;
  }
}
