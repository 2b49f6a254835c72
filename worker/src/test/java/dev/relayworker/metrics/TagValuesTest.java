package dev.relayworker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.relay.Usage;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Tag values from outside (model names, relay statuses) make a bounded number of series. */
class TagValuesTest {

  @Test
  void theFirstValuesKeepTheirSeriesAndTheRestShareOther() {
    TagValues values = new TagValues(2);

    assertThat(values.of("a")).isEqualTo("a");
    assertThat(values.of("b".repeat(500))).isEqualTo("b".repeat(TagValues.MAX_CHARS));
    assertThat(values.of("c")).isEqualTo(TagValues.OTHER);
    assertThat(values.of("a")).isEqualTo("a");
  }

  @Test
  void aThousandModelsAndEveryStatusARelayMightSendMakeBoundedSeries() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    WorkerMetrics metrics = new WorkerMetrics(registry);
    var listener = metrics.relayListener("default");

    for (int i = 0; i < 1_000; i++) {
      metrics.tokens("model-" + i + "-" + "x".repeat(900), new Usage(1, 1, 2));
      listener.attemptFinished(Duration.ofMillis(1), i);
    }
    listener.attemptFinished(Duration.ofMillis(1), Integer.MAX_VALUE);
    String scrape = registry.scrape();

    long tokenSeries = lines(scrape, "relay_worker_tokens_total{");
    long latencySeries = lines(scrape, "relay_worker_relay_latency_seconds_count{");
    assertThat(tokenSeries).isEqualTo(2L * (WorkerMetrics.MODEL_TAGS + 1));
    assertThat(scrape).contains("model=\"other\"").doesNotContain("x".repeat(TagValues.MAX_CHARS + 1));
    assertThat(latencySeries).isLessThanOrEqualTo(WorkerMetrics.STATUS_TAGS + 1);
    assertThat(scrape).contains("status=\"other\"");
  }

  private static long lines(String scrape, String prefix) {
    return Arrays.stream(scrape.split("\n")).filter(line -> line.startsWith(prefix)).count();
  }
}
