package dev.relayworker.pipeline;

import dev.relayworker.metrics.LoopStatus;
import dev.relayworker.metrics.PauseReason;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.resilience.RelayCalls;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Publishes the poll loop's {@link LoopStatus} to the {@link WorkerMetrics}: at most every
 * {@value #INTERVAL_MS} ms while it runs, and at once after a rebalance. Lag comes from the
 * consumer's own fetch positions ({@link Consumer#currentLag}), so reporting costs no request
 * to the broker.
 *
 * <p>Confined to the poll thread, the only one that may touch the consumer.
 */
final class StatusReporter {

  private static final long INTERVAL_MS = 250;

  private final Consumer<byte[], byte[]> consumer;
  private final Ledgers ledgers;
  private final IntSupplier parked;
  private final Supplier<Map<PauseReason, Integer>> pausedBy;
  private final LongSupplier pacingWaitNanos;
  private final WorkerMetrics metrics;
  private final Clock clock;
  private boolean joined;
  private long lastReportMillis;

  /**
   * @param parked how many requests are parked now
   * @param pausedBy the paused partitions counted by why
   * @param pacingWaitNanos how long a request sent now would wait for the rate limits
   */
  StatusReporter(Consumer<byte[], byte[]> consumer, Ledgers ledgers, IntSupplier parked,
      Supplier<Map<PauseReason, Integer>> pausedBy, LongSupplier pacingWaitNanos, WorkerMetrics metrics, Clock clock) {
    this.consumer = consumer;
    this.ledgers = ledgers;
    this.parked = parked;
    this.pausedBy = pausedBy;
    this.pacingWaitNanos = pacingWaitNanos;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * How long a request of no particular model sent now would wait for its first route's rate
   * limits, for the pacing gauge; 0 when that cannot be told.
   */
  static long pacingWaitNanos(RelayCalls relay) {
    try {
      return relay.pacingWait(null, null, null).toNanos();
    } catch (RuntimeException e) {
      return 0; // A gauge must never stop the loop; no route serving every model is not a failure.
    }
  }

  /** Called once per loop turn: marks the loop alive and reports when the interval has passed. */
  void turned() {
    long now = clock.millis();
    metrics.polled(now);
    if (now - lastReportMillis >= INTERVAL_MS) {
      report(now);
    }
  }

  /** After an assignment or revocation, even an empty one: the group has been joined. */
  void rebalanced() {
    joined = true;
    report(clock.millis());
  }

  private void report(long now) {
    lastReportMillis = now;
    Set<TopicPartition> assigned = Set.copyOf(consumer.assignment());
    Map<TopicPartition, Long> lag = new HashMap<>();
    for (TopicPartition partition : assigned) {
      OptionalLong behind = consumer.currentLag(partition);
      if (behind.isPresent()) {
        lag.put(partition, behind.getAsLong());
      }
    }
    metrics.publish(new LoopStatus(joined, assigned, consumer.paused().size(), ledgers.unanswered(), parked.getAsInt(),
        Map.copyOf(lag), pausedBy.get(), pacingWaitNanos.getAsLong()));
  }
}
