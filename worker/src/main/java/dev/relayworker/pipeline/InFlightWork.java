package dev.relayworker.pipeline;

import java.time.Instant;
import java.util.Collection;
import org.apache.kafka.common.TopicPartition;

/**
 * What a rebalance needs of the poll loop ({@link PollLoop}) while partitions go: finishing their
 * requests in flight, forgetting what they held, and whether the loop is stopping. Lets
 * {@link HandOver} depend on these four calls rather than on the loop itself.
 *
 * <p>Poll thread only, inside {@code poll()}.
 */
interface InFlightWork {

  /** Handles results and commits until every request of {@code partitions} is done or {@code deadline} passes. */
  void drain(Collection<TopicPartition> partitions, Instant deadline);

  /** Forgets what was held for partitions taken away. */
  void forget(Collection<TopicPartition> partitions);

  /** Whether a graceful stop has begun: no new requests are taken. */
  boolean stopping();

  /** Whether the consumer is being closed; its final revocation then has nothing left to drain. */
  boolean closing();
}
