package dev.relayworker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Gauges and counters bound to functions keep reading them after a garbage collection: Micrometer
 * holds their objects weakly, and a lambda held by no one else would be collected, leaving a gauge
 * that reads NaN (and an alert on it that never fires).
 */
class WorkerMetricsTest {

  @Test
  void functionBoundMetersOutliveAGarbageCollection() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WorkerMetrics metrics = new WorkerMetrics(registry);
    bindToObjectsNoOneElseHolds(metrics);
    metrics.publish(new LoopStatus(true, java.util.Set.of(), 2, 0, 0, Map.of(),
        Map.of(PauseReason.KEY_OUT, 2), 1_500_000_000L));

    for (int i = 0; i < 3; i++) {
      System.gc();
    }

    assertThat(registry.get(Metric.DELIVERY_WAIT.meterName()).gauge().value()).isEqualTo(30.0);
    assertThat(registry.get(Metric.SHARE_RECORDS_HELD.meterName()).gauge().value()).isEqualTo(7.0);
    assertThat(registry.get(Metric.TRACE_SPANS.meterName()).tag("outcome", "exported").functionCounter().count())
        .isEqualTo(5.0);
    assertThat(registry.get(Metric.TRACE_SPANS.meterName()).tag("outcome", "dropped").functionCounter().count())
        .isEqualTo(2.0);
    assertThat(registry.get(Metric.PARTITIONS_PAUSED_REASON.meterName()).tag("reason", "key_out").gauge().value())
        .isEqualTo(2.0);
    assertThat(registry.get(Metric.PARTITIONS_PAUSED_REASON.meterName()).tag("reason", "in_flight").gauge().value())
        .isZero();
    assertThat(registry.get(Metric.PACING_WAIT.meterName()).gauge().value()).isEqualTo(1.5);
  }

  /** As the worker binds them: method references to objects that, here, nothing else keeps. */
  private static void bindToObjectsNoOneElseHolds(WorkerMetrics metrics) {
    AtomicLong since = new AtomicLong(1_000);
    AtomicLong now = new AtomicLong(31_000);
    AtomicInteger held = new AtomicInteger(7);
    AtomicLong exported = new AtomicLong(5);
    AtomicLong dropped = new AtomicLong(2);
    AtomicLong failed = new AtomicLong(1);
    metrics.bindDeliveryWait(since::get, now::get);
    metrics.bindShareRecordsHeld(held::get);
    metrics.bindTraceSpans(exported::get, dropped::get, failed::get);
  }
}
