package dev.relayworker.pipeline;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once delivery: finished replies wait in an outbox; every {@code commit.interval.ms} one
 * short transaction sends them and commits the consumed offsets (with the done-set metadata)
 * through {@code sendOffsetsToTransaction} with the consumer's current group metadata. A
 * {@code read_committed} reader sees each reply once: either the reply and its offset are both
 * committed, or neither is. No transaction is ever open across a poll or a relay call.
 *
 * <p>Failures: a fenced or otherwise broken producer throws {@link FatalDeliveryException} and the
 * worker stops with an error (an orchestrator restarts it); anything else aborts the transaction
 * and rewinds the partitions to their last committed offsets, so the aborted work is done again.
 * Poll thread only.
 */
final class TransactionalDelivery implements Delivery {

  private static final Logger log = LoggerFactory.getLogger(TransactionalDelivery.class);

  private final Producer<byte[], byte[]> producer;
  private final Ledgers ledgers;
  private final Consumer<byte[], byte[]> consumer;
  private final Duration interval;
  private final Clock clock;
  private final Runnable rewind;
  private final List<Outgoing> outbox = new ArrayList<>();
  private Instant lastCommit = Instant.EPOCH;

  /**
   * @param rewind called after an aborted transaction: must forget all partition state and seek
   *     back to the committed offsets
   */
  TransactionalDelivery(Producer<byte[], byte[]> producer, Ledgers ledgers, Consumer<byte[], byte[]> consumer,
      Duration interval, Clock clock, Runnable rewind) {
    this.producer = producer;
    this.ledgers = ledgers;
    this.consumer = consumer;
    this.interval = interval;
    this.clock = clock;
    this.rewind = rewind;
    producer.initTransactions();
  }

  @Override
  public void publish(PendingRequest pending, List<ProducerRecord<byte[], byte[]>> records) {
    outbox.add(new Outgoing(pending, records));
  }

  @Override
  public void published(Mailbox.Published event) {
    throw new IllegalStateException("transactional delivery does not use acknowledgements");
  }

  @Override
  public void tick() {
    // Nothing between commits: records go out inside the transaction.
  }

  @Override
  public void commit(boolean force, Collection<TopicPartition> partitions) {
    Instant now = clock.instant();
    if (!force && Duration.between(lastCommit, now).compareTo(interval) < 0) {
      return;
    }
    lastCommit = now;
    outbox.removeIf(outgoing -> outgoing.pending().ledger.released());
    // Done before the commit so the offsets include them; an abort rewinds the ledgers anyway.
    outbox.forEach(outgoing -> outgoing.pending().ledger.done(outgoing.pending().offset()));
    Map<TopicPartition, OffsetAndMetadata> offsets = ledgers.uncommitted(ledgers.partitions());
    if (outbox.isEmpty() && offsets.isEmpty()) {
      return;
    }
    try {
      producer.beginTransaction();
      outbox.forEach(outgoing -> outgoing.records().forEach(producer::send));
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      }
      producer.commitTransaction();
      ledgers.markCommitted(offsets);
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
        | UnsupportedVersionException | InvalidProducerEpochException e) {
      throw new FatalDeliveryException("the transactional producer can no longer commit: " + e, e);
    } catch (KafkaException e) {
      log.warn("transaction of {} replies failed; aborting and rewinding to the committed offsets: {}",
          outbox.size(), e.toString());
      abort();
      rewind.run();
    } finally {
      outbox.clear();
    }
  }

  private void abort() {
    try {
      producer.abortTransaction();
    } catch (KafkaException e) {
      throw new FatalDeliveryException("could not abort a failed transaction: " + e, e);
    }
  }

  @Override
  public void forget(Collection<TopicPartition> partitions) {
    outbox.removeIf(outgoing -> outgoing.pending().ledger.released());
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }

  private record Outgoing(PendingRequest pending, List<ProducerRecord<byte[], byte[]>> records) {}
}
