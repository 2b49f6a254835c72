package dev.relayworker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MetricsDocumentedTest {

  @Test
  void theReadmeListsEveryMetricByItsPrometheusName() throws Exception {
    String readme = Files.readString(Path.of("README.md"));

    for (Metric metric : Metric.values()) {
      assertThat(readme).as(metric.name()).contains("| `" + metric.prometheusName() + "` |");
    }
  }
}
