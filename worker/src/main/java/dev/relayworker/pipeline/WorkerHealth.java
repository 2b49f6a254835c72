package dev.relayworker.pipeline;

import dev.relayworker.metrics.LoopStatus;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.ops.HealthReport;
import dev.relayworker.resilience.Hold;
import dev.relayworker.resilience.RelayAvailability;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The worker's liveness and readiness, from the state its poll loop publishes. Never touches the
 * consumer.
 *
 * <p>Threads: called on the admin endpoint's thread; reads only thread-safe state.
 */
final class WorkerHealth {

  /** What health needs to know of the worker's poll thread. Implementations must be thread-safe. */
  interface Loop {
    /** Whether the poll thread is alive. */
    boolean running();

    /** Why the poll loop died, or null. */
    Throwable failure();

    /** Whether a graceful stop has begun. */
    boolean stopping();
  }

  private final Loop worker;
  private final WorkerMetrics metrics;
  private final Supplier<RelayAvailability> relay;
  private final Clock clock;
  private final Duration stallLimit;
  private final DeliveryProgress delivery;
  private final Duration deliveryStallLimit;

  /**
   * @param relay whether the relay takes calls now; reported, never a reason to be down
   * @param stallLimit longest a loop turn may take before the worker counts as stuck
   * @param deliveryStallLimit longest answered requests may wait for delivery without any progress
   *     before the worker counts as not ready ({@code health.delivery.stall.ms})
   */
  WorkerHealth(Loop worker, WorkerMetrics metrics, Supplier<RelayAvailability> relay, Clock clock, Duration stallLimit,
      DeliveryProgress delivery, Duration deliveryStallLimit) {
    this.worker = worker;
    this.metrics = metrics;
    this.relay = relay;
    this.clock = clock;
    this.stallLimit = stallLimit;
    this.delivery = delivery;
    this.deliveryStallLimit = deliveryStallLimit;
  }

  /** Live: the poll loop runs and has turned within the consumer's max.poll.interval.ms. */
  HealthReport liveness() {
    Map<String, Object> details = new LinkedHashMap<>();
    boolean up = checkLoop(details);
    return new HealthReport(up, details);
  }

  /**
   * Ready: live, not stopping, a member of the consumer group, and its replies becoming safe
   * (no answered request has waited {@code health.delivery.stall.ms} for a commit or an
   * acknowledgement while none succeeded). A worker with no partitions (more workers than
   * partitions) is ready: it is a standby. An open relay circuit is reported, not failed on:
   * requests then wait in Kafka, and restarting the worker would not help. A hold is a reason to
   * be not ready (the key is out, or a spend cap is reached: the worker answers nothing until it
   * ends), reported with its reason and when the next key probe goes or the budget reopens;
   * restarting does not end it either.
   */
  HealthReport readiness() {
    Map<String, Object> details = new LinkedHashMap<>();
    LoopStatus status = metrics.status();
    boolean up = checkLoop(details);
    if (up && worker.stopping()) {
      details.put("reason", "stopping");
      up = false;
    } else if (up && !status.joined()) {
      details.put("reason", "not yet a member of the consumer group");
      up = false;
    }
    long waitingSince = delivery.waitingSinceMillis();
    long waited = waitingSince == 0 ? 0 : clock.millis() - waitingSince;
    if (up && waited > deliveryStallLimit.toMillis()) {
      details.put("reason", "answered requests have waited " + waited + " ms for Kafka to take them (no transaction"
          + " committed or record acknowledged meanwhile)");
      up = false;
    }
    RelayAvailability availability = relay.get();
    Hold hold = availability.hold();
    if (hold != null) {
      if (up) {
        details.put("reason", hold.reason());
        up = false;
      }
      details.put("held", hold.cause().name().toLowerCase(Locale.ROOT));
      details.put(hold.cause() == Hold.Cause.BUDGET ? "budgetReopensAt" : "keyProbeAt", hold.until().toString());
    }
    details.put("deliveryWaitMs", waited);
    details.put("assignedPartitions", status.assigned().stream().map(Object::toString).sorted().toList());
    details.put("pausedPartitions", status.paused());
    details.put("inFlight", status.inFlight());
    details.put("parked", status.parked());
    details.put("relay", availability.state().name().toLowerCase(Locale.ROOT));
    details.put("relayCircuit", availability.circuit());
    if (availability.pausedUntil() != null) {
      details.put("relayPausedUntil", availability.pausedUntil().toString());
    }
    return new HealthReport(up, details);
  }

  private boolean checkLoop(Map<String, Object> details) {
    long lastPoll = metrics.lastPollMillis();
    long sinceLastPoll = lastPoll == 0 ? 0 : clock.millis() - lastPoll;
    boolean up = true;
    if (worker.failure() != null) {
      details.put("reason", "poll loop failed: " + worker.failure().getClass().getSimpleName());
      up = false;
    } else if (!worker.running() && !worker.stopping()) {
      details.put("reason", "poll loop not running");
      up = false;
    } else if (sinceLastPoll > stallLimit.toMillis()) {
      details.put("reason", "poll loop stuck for " + sinceLastPoll + " ms");
      up = false;
    }
    details.put("lastPollMsAgo", sinceLastPoll);
    return up;
  }
}
