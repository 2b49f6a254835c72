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
 * @param pausedBy the paused partitions counted by why they are paused (reasons with none left out)
 * @param pacingWaitNanos how long a request sent now would wait for the key's rate limits
 */
public record LoopStatus(boolean joined, java.util.Set<TopicPartition> assigned, int paused, int inFlight, int parked,
    Map<TopicPartition, Long> lag, Map<PauseReason, Integer> pausedBy, long pacingWaitNanos) {

  public static final LoopStatus STARTING = new LoopStatus(false, java.util.Set.of(), 0, 0, 0, Map.of());

  /** A status that says nothing of why partitions are paused or of pacing. */
  public LoopStatus(boolean joined, java.util.Set<TopicPartition> assigned, int paused, int inFlight, int parked,
      Map<TopicPartition, Long> lag) {
    this(joined, assigned, paused, inFlight, parked, lag, Map.of(), 0);
  }
}
