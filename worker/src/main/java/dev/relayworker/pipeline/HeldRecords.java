package dev.relayworker.pipeline;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;

/**
 * The share-group records a {@link ShareLoop} holds a lock on, from their delivery to their final
 * acknowledgement: how often each had been delivered, when it came, the request it became, and
 * whether the broker refused an acknowledgement of it (its lock ran out).
 *
 * <p>Poll thread only, but for {@link #count}, which the records-held gauge reads from any thread.
 */
final class HeldRecords {

  /** A record this worker holds a lock on. */
  static final class Held {
    final TopicPartition partition;
    final long offset;
    final int deliveries;
    /** When it was handed to this worker, on the worker's clock (ms). */
    final long deliveredAt;
    /** The request it became; null until taken. */
    PendingRequest pending;
    /** The broker refused an acknowledgement of it: it may not come back. */
    boolean lost;

    private Held(TopicPartition partition, long offset, int deliveries, long deliveredAt) {
      this.partition = partition;
      this.offset = offset;
      this.deliveries = deliveries;
      this.deliveredAt = deliveredAt;
    }

    /** Taken, and its request done: its records are committed. */
    boolean answered() {
      return pending != null && !pending.ledger.isPending(offset);
    }

    /** Taken, and its request not done yet. */
    boolean unfinished() {
      return pending != null && pending.ledger.isPending(offset);
    }

    /** What a record whose request is done gets: REJECT when it was refused as invalid, else ACCEPT. */
    AcknowledgeType finalAcknowledgement() {
      return pending.request == null ? AcknowledgeType.REJECT : AcknowledgeType.ACCEPT;
    }
  }

  private record Key(TopicPartition partition, long offset) {}

  private final Map<Key, Held> held = new HashMap<>();
  private volatile int count;

  /** The record as held, if it is (a renewal handed it back); null if it is new here. */
  Held get(ConsumerRecord<?, ?> record) {
    return held.get(key(record));
  }

  /** Holds a record newly delivered to this worker at {@code now}. */
  Held hold(ConsumerRecord<?, ?> record, long now) {
    Held holding = new Held(new TopicPartition(record.topic(), record.partition()), record.offset(),
        record.deliveryCount().orElse((short) 1), now);
    held.put(key(record), holding);
    return holding;
  }

  /** The record was acknowledged for good: no longer held. Null when it was not held. */
  Held release(ConsumerRecord<?, ?> record) {
    return held.remove(key(record));
  }

  private static Key key(ConsumerRecord<?, ?> record) {
    return new Key(new TopicPartition(record.topic(), record.partition()), record.offset());
  }

  /**
   * Marks the records of {@code offsets} lost (the broker refused their acknowledgement): they
   * stay held until they come back or their requests are done.
   *
   * @return how many of them were held
   */
  int lost(Map<TopicIdPartition, Set<Long>> offsets) {
    int lost = 0;
    for (Map.Entry<TopicIdPartition, Set<Long>> entry : offsets.entrySet()) {
      for (long offset : entry.getValue()) {
        Held holding = held.get(new Key(entry.getKey().topicPartition(), offset));
        if (holding != null) {
          holding.lost = true;
          lost++;
        }
      }
    }
    return lost;
  }

  /** Forgets lost records whose requests are done: they will not come back here. */
  void forgetLost() {
    for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
      Held holding = it.next();
      if (holding.lost && !holding.unfinished()) {
        it.remove();
      }
    }
    counted();
  }

  /** Whether a record not lost is answered and waits only to be accepted. */
  boolean anyAnswered() {
    for (Held holding : held.values()) {
      if (!holding.lost && holding.answered()) {
        return true;
      }
    }
    return false;
  }

  /** The requests not done of records delivered {@code deliveries} times or more. */
  List<PendingRequest> unfinishedFrom(int deliveries) {
    List<PendingRequest> unfinished = new ArrayList<>();
    for (Held holding : held.values()) {
      if (holding.deliveries >= deliveries && holding.unfinished()) {
        unfinished.add(holding.pending);
      }
    }
    return unfinished;
  }

  boolean isEmpty() {
    return held.isEmpty();
  }

  int size() {
    return held.size();
  }

  /** Records held at the last count (after each poll's decisions); any thread. */
  int count() {
    return count;
  }

  /** Takes the count the gauge reads. */
  void counted() {
    count = held.size();
  }
}
