package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.metrics.LoopStatus;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.ops.HealthReport;
import dev.relayworker.resilience.Hold;
import dev.relayworker.resilience.RelayAvailability;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class WorkerHealthTest {

  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
  private static final Duration STALL_LIMIT = Duration.ofMinutes(5);

  private final FakeLoop loop = new FakeLoop();
  private final WorkerMetrics metrics = new WorkerMetrics(new SimpleMeterRegistry());
  private RelayAvailability relay = new RelayAvailability(RelayAvailability.State.AVAILABLE, null, "CLOSED");
  private final DeliveryProgress delivery = new DeliveryProgress();
  private final WorkerHealth health = new WorkerHealth(loop, metrics, () -> relay, Clock.fixed(NOW, ZoneOffset.UTC),
      STALL_LIMIT, delivery, Duration.ofMinutes(1));


  @Test
  void aWorkerStartingIsLiveButNotReadyUntilItJoinsTheGroup() {
    assertThat(health.liveness().up()).isTrue();
    HealthReport ready = health.readiness();
    assertThat(ready.up()).isFalse();
    assertThat(ready.details()).containsEntry("reason", "not yet a member of the consumer group");
  }

  @Test
  void aWorkerWhoseRepliesWaitTooLongForKafkaIsNotReady() {
    metrics.publish(new LoopStatus(true, Set.of(new TopicPartition("requests", 0)), 0, 3, 0, Map.of()));
    delivery.waiting(NOW.minusSeconds(30).toEpochMilli());
    assertThat(health.readiness().up()).isTrue();

    delivery.progressed(NOW.minusSeconds(61).toEpochMilli(), true);
    HealthReport stalled = health.readiness();

    assertThat(stalled.up()).isFalse();
    assertThat((String) stalled.details().get("reason")).contains("waited 61000 ms for Kafka");
    assertThat(health.liveness().up()).isTrue();
    delivery.progressed(NOW.toEpochMilli(), false);
    assertThat(health.readiness().up()).isTrue();
  }

  @Test
  void aMemberWithoutPartitionsIsReadyAsAStandby() {
    polledAgo(Duration.ofMillis(50));
    metrics.publish(new LoopStatus(true, Set.of(), 0, 0, 0, Map.of()));

    HealthReport ready = health.readiness();

    assertThat(ready.up()).isTrue();
    assertThat(ready.details()).containsEntry("relayCircuit", "CLOSED").containsEntry("lastPollMsAgo", 50L);
  }

  @Test
  void aRelayThatIsDownIsReportedNotFailedOn() {
    polledAgo(Duration.ofMillis(50));
    metrics.publish(new LoopStatus(true, Set.of(new TopicPartition("requests", 0)), 1, 0, 12, Map.of()));
    relay = new RelayAvailability(RelayAvailability.State.UNAVAILABLE, NOW.plusSeconds(30), "CLOSED");

    HealthReport ready = health.readiness();

    assertThat(ready.up()).as("restarting the worker would not bring the relay back").isTrue();
    assertThat(ready.details()).containsEntry("relay", "unavailable").containsEntry("relayCircuit", "CLOSED")
        .containsEntry("relayPausedUntil", NOW.plusSeconds(30).toString()).containsEntry("parked", 12);
  }

  @Test
  void aReachedSpendCapMakesTheWorkerNotReadySayingWhenItReopens() {
    polledAgo(Duration.ofMillis(50));
    metrics.publish(new LoopStatus(true, Set.of(new TopicPartition("requests", 0)), 1, 0, 4, Map.of()));
    Instant midnight = Instant.parse("2026-12-01T00:00:00Z");
    relay = new RelayAvailability(RelayAvailability.State.UNAVAILABLE, null, "CLOSED",
        new Hold(Hold.Cause.BUDGET, "spend cap per day reached: 2.0000 USD", midnight));

    HealthReport ready = health.readiness();

    assertThat(ready.up()).isFalse();
    assertThat(ready.details()).containsEntry("reason", "spend cap per day reached: 2.0000 USD")
        .containsEntry("held", "budget").containsEntry("budgetReopensAt", midnight.toString())
        .containsEntry("parked", 4);
    assertThat(health.liveness().up()).as("restarting would not end the hold").isTrue();
  }

  @Test
  void aKeyOutageMakesTheWorkerNotReadySayingWhenTheNextProbeGoes() {
    polledAgo(Duration.ofMillis(50));
    metrics.publish(new LoopStatus(true, Set.of(new TopicPartition("requests", 0)), 1, 0, 4, Map.of()));
    relay = new RelayAvailability(RelayAvailability.State.UNAVAILABLE, null, "CLOSED",
        new Hold(Hold.Cause.KEY, "relay refused the key: relay answered 403 (insufficient_user_quota)",
            NOW.plusSeconds(60)));

    HealthReport ready = health.readiness();

    assertThat(ready.up()).isFalse();
    assertThat((String) ready.details().get("reason")).startsWith("relay refused the key");
    assertThat(ready.details()).containsEntry("held", "key").containsEntry("keyProbeAt", NOW.plusSeconds(60).toString());
  }

  @Test
  void aLoopThatStoppedTurningIsNeitherLiveNorReady() {
    metrics.publish(new LoopStatus(true, Set.of(new TopicPartition("requests", 0)), 0, 3, 0, Map.of()));
    polledAgo(STALL_LIMIT.plusSeconds(1));

    assertThat(health.liveness().up()).isFalse();
    assertThat(health.liveness().details().get("reason").toString()).startsWith("poll loop stuck for 301000 ms");
    assertThat(health.readiness().up()).isFalse();
  }

  @Test
  void aDeadLoopIsNotLiveAndAStoppingOneIsNotReady() {
    metrics.publish(new LoopStatus(true, Set.of(), 0, 0, 0, Map.of()));
    polledAgo(Duration.ZERO);
    loop.stopping = true;

    assertThat(health.liveness().up()).isTrue();
    assertThat(health.readiness().details()).containsEntry("reason", "stopping");

    loop.failure = new IllegalStateException("fenced");
    loop.running = false;
    assertThat(health.liveness().up()).isFalse();
    assertThat(health.liveness().details()).containsEntry("reason", "poll loop failed: IllegalStateException");
  }

  private void polledAgo(Duration ago) {
    metrics.polled(NOW.minus(ago).toEpochMilli());
  }

  private static final class FakeLoop implements WorkerHealth.Loop {
    boolean running = true;
    Throwable failure;
    boolean stopping;

    @Override
    public boolean running() {
      return running;
    }

    @Override
    public Throwable failure() {
      return failure;
    }

    @Override
    public boolean stopping() {
      return stopping;
    }
  }
}
