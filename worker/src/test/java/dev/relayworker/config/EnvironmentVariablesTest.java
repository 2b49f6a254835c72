package dev.relayworker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnvironmentVariablesTest {

  @TempDir
  Path dir;

  @Test
  void everySettingHasAVariableThatLeadsBackToIt() {
    for (String setting : WorkerConfig.DEFINITION.names()) {
      String variable = EnvironmentVariables.of(setting);

      assertThat(variable).startsWith("RELAY_WORKER_").doesNotContain(".");
      assertThat(EnvironmentVariables.settingOf(variable)).isEqualTo(setting);
    }
    assertThat(EnvironmentVariables.of("relay.rate.limit.rpm")).isEqualTo("RELAY_WORKER_RELAY_RATE_LIMIT_RPM");
  }

  @Test
  void kafkaClientSettingsHaveVariablesToo() {
    assertThat(EnvironmentVariables.of("kafka.security.protocol")).isEqualTo("RELAY_WORKER_KAFKA_SECURITY_PROTOCOL");
    assertThat(EnvironmentVariables.settings(Map.of("RELAY_WORKER_KAFKA_SASL_MECHANISM", "PLAIN")))
        .containsExactlyEntriesOf(Map.of("kafka.sasl.mechanism", "PLAIN"));
  }

  @Test
  void underscoresAndDashesInANameAreDoubledAndTripled() {
    assertThat(EnvironmentVariables.of("kafka.metrics.context.team_name-x"))
        .isEqualTo("RELAY_WORKER_KAFKA_METRICS_CONTEXT_TEAM__NAME___X");
    assertThat(EnvironmentVariables.settingOf("RELAY_WORKER_KAFKA_METRICS_CONTEXT_TEAM__NAME___X"))
        .isEqualTo("kafka.metrics.context.team_name-x");
  }

  @Test
  void theLongNameWinsOverTheShortOneAndEmptyMeansUnset() {
    Map<String, String> settings = EnvironmentVariables.settings(Map.of(
        "RELAY_BASE_URL", "http://short:1",
        "RELAY_WORKER_RELAY_BASE_URL", " http://long:2 ",
        "KAFKA_BOOTSTRAP_SERVERS", "kafka:9092",
        "RELAY_WORKER_GROUP_ID", "",
        "PATH", "/usr/bin"));

    assertThat(settings).containsExactlyInAnyOrderEntriesOf(Map.of(
        WorkerConfig.RELAY_BASE_URL, "http://long:2",
        WorkerConfig.KAFKA_BOOTSTRAP_SERVERS, "kafka:9092"));
  }

  @Test
  void aVariableThatNamesNoSettingIsRefusedByNameNotValue() {
    assertThatThrownBy(() -> EnvironmentVariables.settings(Map.of("RELAY_WORKER_RELAY_RATE_LIMIT_RMP", "sk-secret")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("RELAY_WORKER_RELAY_RATE_LIMIT_RMP").hasMessageContaining("relay.rate.limit.rmp")
        .hasMessageNotContaining("sk-secret");
    assertThatThrownBy(() -> EnvironmentVariables.settings(Map.of("RELAY_WORKER_KAFKA_SECURITY_PROTOCOLL", "SSL")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.security.protocoll");
  }

  @Test
  void theEnvironmentWinsOverTheFileWhichWinsOverTheDefault() throws Exception {
    Path file = Files.writeString(dir.resolve("worker.properties"), String.join("\n",
        "kafka.bootstrap.servers=localhost:9092", "relay.base.url=http://relay", "relay.api.key=sk-file",
        "worker.max.in.flight=50", "commit.interval.ms=250", ""));

    WorkerConfig config = ConfigLoader.load(file, Map.of(
        "RELAY_WORKER_WORKER_MAX_IN_FLIGHT", "70",
        "RELAY_WORKER_DELIVERY_GUARANTEE", "at_least_once",
        "RELAY_WORKER_KAFKA_CLIENT_RACK", "rack-b"));

    assertThat(config.getInt(WorkerConfig.MAX_IN_FLIGHT)).isEqualTo(70);
    assertThat(config.getInt(WorkerConfig.COMMIT_INTERVAL_MS)).isEqualTo(250);
    assertThat(config.getString(WorkerConfig.DELIVERY_GUARANTEE)).isEqualTo("at_least_once");
    assertThat(config.getInt(WorkerConfig.SHUTDOWN_TIMEOUT_MS)).isEqualTo(30_000);
    assertThat(config.kafkaClientProperties()).containsEntry("client.rack", "rack-b");
  }
}
