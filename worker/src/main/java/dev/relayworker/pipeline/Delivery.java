package dev.relayworker.pipeline;

import java.util.Collection;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * How replies become safe and offsets move: {@link AckedDelivery} (at least once: a request is
 * done when the broker acknowledged its records, offsets are committed by the consumer) or
 * {@link TransactionalDelivery} (exactly once: replies and offsets are committed together in one
 * transaction). Both check each record with the {@link ReplyRouter} before every send and hand it
 * back for its fallback when Kafka refuses it ({@link SendFailure#RECORD}); other failures are
 * retried with the record unchanged. Called only on the poll thread.
 */
interface Delivery extends AutoCloseable {

  /**
   * Hands over every record answering {@code pending} (already checked by the router); it becomes
   * done once they are safe. An empty list makes it done at the next commit with nothing published.
   */
  void publish(PendingRequest pending, List<Outgoing> records);

  /**
   * Called every turn of the loop: sends what is due (again, after a failure) and commits what
   * is due, every {@code commit.interval.ms}, or now when {@code force} (before a hand-over or a
   * stop), for {@code partitions}.
   */
  void flush(boolean force, Collection<TopicPartition> partitions);

  /** Forgets queued work of partitions that were taken away. */
  void forget(Collection<TopicPartition> partitions);

  @Override
  void close();
}
