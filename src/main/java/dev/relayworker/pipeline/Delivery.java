package dev.relayworker.pipeline;

import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * How replies become safe and offsets move: {@link AckedDelivery} (at least once: a request is
 * done when the broker acknowledged its records, offsets are committed by the consumer) or
 * {@link TransactionalDelivery} (exactly once: replies and offsets are committed together in one
 * transaction). Called only on the poll thread.
 */
interface Delivery extends AutoCloseable {

  /** Hands over the records answering {@code pending}; it becomes done once they are safe. */
  void publish(PendingRequest pending, List<ProducerRecord<byte[], byte[]>> records);

  /** Handles a broker acknowledgement posted to the mailbox (at least once only). */
  void published(Mailbox.Published event);

  /** Work to do every turn of the loop: retries of failed sends. */
  void tick();

  /**
   * Commits what is due: every {@code commit.interval.ms}, or now when {@code force} (before a
   * hand-over or a stop), for {@code partitions}.
   */
  void commit(boolean force, Collection<TopicPartition> partitions);

  /** Forgets queued work of partitions that were taken away. */
  void forget(Collection<TopicPartition> partitions);

  @Override
  void close();
}
