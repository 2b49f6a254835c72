package dev.relayworker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MetricsDocumentedTest {

  @Test
  void theOperatingPageListsEveryMetricByItsPrometheusName() throws Exception {
    String page = Files.readString(Path.of("docs", "operating.md"));

    for (Metric metric : Metric.values()) {
      assertThat(page).as(metric.name()).contains("| `" + metric.prometheusName() + "` |");
    }
  }
}
