package dev.relayworker.metrics;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * What the poll loop last reported about itself, for gauges and readiness. Immutable; the poll
 * thread publishes a new one every few hundred milliseconds and on each rebalance.
 *
 * @param joined whether the consumer has joined its group (had an assignment, possibly empty)
 * @param assigned the partitions it owns
 * @param paused how many of them are paused
 * @param inFlight requests taken and not yet answered
 * @param parked requests held back while the relay is down
 * @param lag records behind the end, per owned partition whose position is known
 */
public record LoopStatus(boolean joined, java.util.Set<TopicPartition> assigned, int paused, int inFlight, int parked,
    Map<TopicPartition, Long> lag) {

  public static final LoopStatus STARTING = new LoopStatus(false, java.util.Set.of(), 0, 0, 0, Map.of());
}
