package dev.relayworker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.testing.OperationsFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules, the dashboard's queries and KEDA's query are valid PromQL (promtool), the
 * alerts fire on the series their unit tests give and stay quiet on the others, and every
 * {@code relay_worker_*} name they read is a meter the worker declares. ObservabilityIT checks every
 * name against a launched worker's scrape. promtool comes from Debian's prometheus package, which
 * .ci/run installs; without it (a developer's machine) the promtool checks are skipped, saying so,
 * except under CI, where they fail.
 */
class AlertRulesTest {

  @TempDir
  Path dir;

  @Test
  void theAlertRulesAreValidAndFireOnTheSeriesTheirTestsGive() {
    OperationsFiles.Result checked = promtool("check", "rules", OperationsFiles.ALERT_RULES.toString());
    assertThat(checked.exit()).as(checked.output()).isZero();
    // promtool reads the test file's rule_files relative to the test file.
    OperationsFiles.Result tested = promtool("test", "rules", OperationsFiles.ALERT_TESTS.toString());
    assertThat(tested.exit()).as(tested.output()).isZero();
    assertThat(tested.output()).contains("SUCCESS");
  }

  @Test
  void everyQueryOfTheDashboardAndOfKedaIsValidPromQl() throws IOException {
    Map<String, String> queries = OperationsFiles.queries();
    assertThat(queries.keySet()).anyMatch(where -> where.startsWith("panel "))
        .anyMatch(where -> where.startsWith("keda trigger "));
    Path rules = dir.resolve("queries.yml");
    Files.writeString(rules, OperationsFiles.asRecordingRules(queries));
    OperationsFiles.Result checked = promtool("check", "rules", rules.toString());
    assertThat(checked.exit()).as(checked.output()).isZero();
  }

  @Test
  void everyWorkerMetricTheyReadIsOneTheWorkerDeclares() {
    Set<String> declared = new HashSet<>();
    for (Metric metric : Metric.values()) {
      String name = metric.prometheusName();
      declared.add(name);
      Stream.of("_bucket", "_count", "_sum", "_max").forEach(suffix -> declared.add(name + suffix));
    }
    OperationsFiles.queries().forEach((where, query) -> {
      Set<String> read = OperationsFiles.metricNames(query);
      assertThat(read).as("metrics %s reads", where).isNotEmpty();
      read.stream().filter(name -> name.startsWith("relay_worker_"))
          .forEach(name -> assertThat(declared).as("%s reads %s", where, name).contains(name));
    });
  }

  @Test
  void theDashboardHasAPanelForEachThingAnOperatorAsksAbout() {
    Set<String> read = new HashSet<>();
    OperationsFiles.queries().forEach((where, query) -> {
      if (where.startsWith("panel ")) {
        read.addAll(OperationsFiles.metricNames(query));
      }
    });
    assertThat(read).containsAll(Arrays.asList("relay_worker_replies_total", "relay_worker_request_age_seconds_bucket",
        "relay_worker_relay_latency_seconds_bucket", "relay_worker_relay_latency_seconds_count",
        "relay_worker_rate_limiter_wait_seconds_sum", "relay_worker_in_flight", "relay_worker_parked",
        "relay_worker_cost_usd_total", "relay_worker_budget_remaining_usd", "relay_worker_relay_key_available",
        "resilience4j_circuitbreaker_state", "relay_worker_delivery_wait", "relay_worker_consumer_lag",
        "relay_worker_partitions_paused_reason", "relay_worker_pacing_wait_seconds"));
  }

  private static OperationsFiles.Result promtool(String... args) {
    Optional<OperationsFiles.Result> result = OperationsFiles.promtool(args);
    if (result.isEmpty()) {
      assertThat(System.getenv("CI")).as("promtool must be installed under CI (.ci/run installs prometheus)")
          .isNotEqualToIgnoringCase("true");
      Assumptions.abort("promtool is not installed (Debian's prometheus package); .ci/run installs it");
    }
    return result.get();
  }
}
