package dev.relayworker.pipeline;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;

/**
 * One transaction's worth of records and offsets, and what became of each record's send, so
 * that when the transaction fails the record to blame can be found.
 *
 * <p>Which record a failure belongs to: when one batch fails, the producer fails the batches
 * still waiting with the very same exception object, so the same exception reaches many
 * callbacks. The first record to receive a given exception is the one it belongs to; later
 * receivers of that same object only went down with the transaction. Only {@link SendFailure#RECORD}
 * failures are ever blamed: anything else says nothing against the record.
 *
 * <p>Threads: built and read on the poll thread; {@link #failed} is called from the producer's
 * I/O thread (and, for a send refused at once, the poll thread).
 */
final class TransactionAttempt {

  /** A record and the failure it was blamed for. */
  record Blame(Outgoing record, Throwable failure) {}

  private record Failure(Outgoing record, Throwable failure) {}

  final List<Map.Entry<PendingRequest, List<Outgoing>>> entries;
  final Map<TopicPartition, OffsetAndMetadata> offsets;
  private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());

  TransactionAttempt(List<Map.Entry<PendingRequest, List<Outgoing>>> entries,
      Map<TopicPartition, OffsetAndMetadata> offsets) {
    this.entries = entries;
    this.offsets = offsets;
  }

  /**
   * Sends every record, stopping at the first the producer refuses at once (too large for
   * max.request.size, say): once the transaction is in error every further send fails too.
   *
   * @return false when a send was refused at once, so the transaction must be aborted
   */
  boolean sendAll(Producer<byte[], byte[]> producer) {
    for (Map.Entry<PendingRequest, List<Outgoing>> entry : entries) {
      for (Outgoing record : entry.getValue()) {
        if (!send(producer, record)) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean send(Producer<byte[], byte[]> producer, Outgoing record) {
    int before = failures.size();
    try {
      producer.send(record.record, (metadata, failure) -> {
        if (failure != null) {
          failed(record, failure);
        }
      });
    } catch (RuntimeException e) {
      failed(record, e);
      return false;
    }
    // The producer reports some refusals through the callback before send() returns.
    synchronized (failures) {
      return failures.subList(before, failures.size()).stream().noneMatch(failure -> failure.record() == record);
    }
  }

  void failed(Outgoing record, Throwable failure) {
    failures.add(new Failure(record, failure));
  }

  /** The records whose own failure sank the transaction, in the order the failures came. */
  List<Blame> blamed() {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Set<Outgoing> blamedRecords = Collections.newSetFromMap(new IdentityHashMap<>());
    List<Blame> blamed = new ArrayList<>();
    synchronized (failures) {
      for (Failure failure : failures) {
        if (seen.add(failure.failure()) && SendFailure.of(failure.failure()) == SendFailure.RECORD
            && blamedRecords.add(failure.record())) {
          blamed.add(new Blame(failure.record(), failure.failure()));
        }
      }
    }
    return blamed;
  }

  /** Every record of the attempt. */
  List<Outgoing> records() {
    List<Outgoing> all = new ArrayList<>();
    entries.forEach(entry -> all.addAll(entry.getValue()));
    return all;
  }
}
