package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.metrics.PauseReason;
import dev.relayworker.resilience.Hold;
import dev.relayworker.resilience.RelayAvailability;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Why partitions are paused is told apart, so an autoscaler can tell want of capacity from a relay that says no. */
class BackPressureTest {

  private static final TopicPartition P0 = new TopicPartition("requests", 0);
  private static final TopicPartition P1 = new TopicPartition("requests", 1);
  private static final Instant LATER = Instant.parse("2026-12-05T13:00:00Z");

  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final Ledgers ledgers = new Ledgers(4096);
  private final BackPressure backPressure = new BackPressure(consumer, new WorkerSettings("requests", "replies", "dlq",
      "requests.retry", Duration.ofMinutes(5), IntakeLimits.forRelay(4, 2), Duration.ofSeconds(1), Duration.ZERO,
      Duration.ofSeconds(10), true, 4096, 1.0, false));

  @Test
  void eachPausedPartitionIsCountedUnderWhatPausedIt() {
    consumer.assign(List.of(P0, P1));
    ledgers.open(P0, null);
    ledgers.open(P1, null);

    assertThat(pausedBy(available())).isEmpty();
    assertThat(pausedBy(down(RelayAvailability.State.UNAVAILABLE, null, null)))
        .isEqualTo(Map.of(PauseReason.CIRCUIT_OPEN, 2));
    assertThat(pausedBy(down(RelayAvailability.State.UNAVAILABLE, LATER, null)))
        .isEqualTo(Map.of(PauseReason.RELAY_PAUSE, 2));
    assertThat(pausedBy(down(RelayAvailability.State.UNAVAILABLE, null,
        new Hold(Hold.Cause.KEY, "insufficient_user_quota", LATER)))).isEqualTo(Map.of(PauseReason.KEY_OUT, 2));
    assertThat(pausedBy(down(RelayAvailability.State.UNAVAILABLE, null,
        new Hold(Hold.Cause.BUDGET, "spend cap per hour reached", LATER)))).isEqualTo(Map.of(PauseReason.BUDGET, 2));

    ledgers.get(P0).take(0);
    ledgers.get(P1).take(0);
    assertThat(pausedBy(available())).as("two unanswered at a cap of two").isEqualTo(Map.of(PauseReason.IN_FLIGHT, 2));

    backPressure.apply(ledgers, available(), false, true);
    assertThat(backPressure.pausedByReason(ledgers)).isEqualTo(Map.of(PauseReason.STOPPING, 2));
  }

  private Map<PauseReason, Integer> pausedBy(RelayAvailability relay) {
    backPressure.apply(ledgers, relay, false, false);
    return backPressure.pausedByReason(ledgers);
  }

  private static RelayAvailability available() {
    return new RelayAvailability(RelayAvailability.State.AVAILABLE, null, "CLOSED");
  }

  private static RelayAvailability down(RelayAvailability.State state, Instant pausedUntil, Hold hold) {
    return new RelayAvailability(state, pausedUntil, pausedUntil == null && hold == null ? "OPEN" : "CLOSED", hold);
  }
}
