package dev.relayworker.pipeline;

import java.util.Collection;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;

/**
 * Passes partition moves to the {@link PollLoop}. Kafka calls these on the poll thread, inside
 * {@code poll()}: revocation waits (bounded by {@code rebalance.drain.timeout.ms}) for the
 * partitions' requests in flight, publishes their replies and commits, so a hand-over repeats
 * nothing that finished in time.
 */
final class RebalanceHandler implements ConsumerRebalanceListener {

  private final PollLoop loop;

  RebalanceHandler(PollLoop loop) {
    this.loop = loop;
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    loop.assigned(partitions);
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    loop.revoked(partitions);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    loop.lost(partitions);
  }
}
