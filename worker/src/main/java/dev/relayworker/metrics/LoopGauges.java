package dev.relayworker.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.TopicPartition;

/**
 * The gauges of the poll loop's {@link LoopStatus}: in flight, parked, partitions assigned and
 * paused (and why), pacing wait, lag per partition. The loop publishes a new status every few
 * hundred milliseconds; the gauges read the latest on the scraping thread, never the consumer.
 *
 * <p>Threads: {@link #publish} on the poll thread; reads on any.
 */
final class LoopGauges {

  private final MultiGauge lag;
  private volatile LoopStatus status = LoopStatus.STARTING;
  private Set<TopicPartition> lagPartitions = Set.of(); // poll thread only

  LoopGauges(MeterRegistry registry) {
    gauge(registry, Metric.IN_FLIGHT, LoopStatus::inFlight);
    gauge(registry, Metric.PARKED, LoopStatus::parked);
    gauge(registry, Metric.PARTITIONS_ASSIGNED, current -> current.assigned().size());
    gauge(registry, Metric.PARTITIONS_PAUSED, LoopStatus::paused);
    for (PauseReason reason : PauseReason.values()) {
      Gauge.builder(Metric.PARTITIONS_PAUSED_REASON.meterName(), this,
              gauges -> gauges.status.pausedBy().getOrDefault(reason, 0))
          .description(Metric.PARTITIONS_PAUSED_REASON.description())
          .tag("reason", reason.label())
          .register(registry);
    }
    gauge(registry, Metric.PACING_WAIT, current -> current.pacingWaitNanos() / 1e9);
    this.lag = MultiGauge.builder(Metric.CONSUMER_LAG.meterName())
        .description(Metric.CONSUMER_LAG.description())
        .register(registry);
  }

  void publish(LoopStatus next) {
    status = next;
    if (!next.lag().keySet().equals(lagPartitions)) {
      lagPartitions = Set.copyOf(next.lag().keySet());
      lag.register(lagPartitions.stream().<MultiGauge.Row<?>>map(partition -> MultiGauge.Row.of(
          Tags.of("topic", partition.topic(), "partition", Integer.toString(partition.partition())),
          this, gauges -> gauges.status.lag().getOrDefault(partition, 0L).doubleValue())).toList(), true);
    }
  }

  LoopStatus status() {
    return status;
  }

  private void gauge(MeterRegistry registry, Metric metric, ToDoubleFunction<LoopStatus> value) {
    Gauge.builder(metric.meterName(), this, gauges -> value.applyAsDouble(gauges.status))
        .description(metric.description())
        .register(registry);
  }
}
