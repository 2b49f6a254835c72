package dev.relayworker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relayworker.relay.RelayEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Configuration as platforms deliver it: Kubernetes service variables beside the worker's own,
 * keys from several sources ranked (a sample key in a file never wins over the operator's), and
 * a route at another host never given the top-level key.
 */
class PlatformConfigTest {

  private static final String BASE = "kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://relay.example\n";

  @TempDir
  Path dir;

  @Test
  void kubernetesServiceVariablesForServicesNamedRelayWorkerAreIgnored() {
    Map<String, String> environment = new HashMap<>(Map.of(
        "RELAY_WORKER_SERVICE_HOST", "10.96.0.12",
        "RELAY_WORKER_SERVICE_PORT", "9400",
        "RELAY_WORKER_SERVICE_PORT_ADMIN", "9400",
        "RELAY_WORKER_PORT", "tcp://10.96.0.12:9400",
        "RELAY_WORKER_PORT_9400_TCP", "tcp://10.96.0.12:9400",
        "RELAY_WORKER_PORT_9400_TCP_PROTO", "tcp",
        "RELAY_WORKER_PORT_9400_TCP_PORT", "9400",
        "RELAY_WORKER_PORT_9400_TCP_ADDR", "10.96.0.12",
        "RELAY_WORKER_ADMIN_SERVICE_HOST", "10.96.0.13",
        "RELAY_WORKER_ADMIN_PORT", "tcp://10.96.0.13:9400"));
    environment.put("RELAY_WORKER_RELAY_RATE_LIMIT_RPM", "600");

    assertThat(EnvironmentVariables.settings(environment)).containsExactlyEntriesOf(Map.of("relay.rate.limit.rpm", "600"));
    assertThat(EnvironmentVariables.settings(Map.of("RELAY_WORKER_ADMIN_PORT", "9500")))
        .as("a real setting's variable with a setting's value").containsEntry("admin.port", "9500");
    assertThatThrownBy(() -> EnvironmentVariables.settings(Map.of("RELAY_WORKER_RELAY_RATE_LIMT_RPM", "600")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("RELAY_WORKER_RELAY_RATE_LIMT_RPM");
  }

  @Test
  void aKeyFileOrVariableFromTheEnvironmentWinsOverTheSampleKeyInTheFile() throws Exception {
    Path keyFile = Files.writeString(dir.resolve("key"), "sk-from-the-secret\n");
    Path config = write(BASE + "relay.api.key=sk-simulator\n");

    WorkerConfig byFile = ConfigLoader.load(config, Map.of("RELAY_WORKER_RELAY_API_KEY_FILE", keyFile.toString()));
    WorkerConfig byVariable = ConfigLoader.load(config, Map.of("RELAY_WORKER_RELAY_API_KEY_ENV", "MY_KEY",
        "MY_KEY", "sk-from-a-variable"));
    WorkerConfig byKey = ConfigLoader.load(config, Map.of("RELAY_API_KEY", "sk-from-the-environment"));

    assertThat(RelayEndpoint.from(byFile).apiKey().key().value()).isEqualTo("sk-from-the-secret");
    assertThat(RelayEndpoint.from(byVariable).apiKey().key().value()).isEqualTo("sk-from-a-variable");
    assertThat(RelayEndpoint.from(byKey).apiKey().key().value()).isEqualTo("sk-from-the-environment");
  }

  @Test
  void twoKeySourcesOfTheSameRankStopStartUpNamingBothNeverTheKey() throws Exception {
    Path keyFile = Files.writeString(dir.resolve("key"), "sk-from-the-secret\n");
    Path config = write(BASE + "relay.api.key.file=" + keyFile + "\n");

    assertThatThrownBy(() -> ConfigLoader.load(config, Map.of("RELAY_API_KEY", "sk-also-this-one")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("relay.api.key (from the environment)").hasMessageContaining("relay.api.key.file (in the file)")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-also-this-one").doesNotContain("sk-from"));
  }

  @Test
  void theShippedConfigurationCarriesNoKey() {
    WorkerConfig shipped = ConfigLoader.load(Path.of("config/worker.properties"), Map.of());

    assertThat(shipped.getPassword(WorkerConfig.RELAY_API_KEY)).isNull();
    assertThat(shipped.getString(WorkerConfig.RELAY_API_KEY_FILE)).isEmpty();
  }

  @Test
  void aRouteAtAnotherHostMustNameItsOwnKey() throws Exception {
    String routes = BASE + "relay.api.key=sk-top\nroutes=near,far\n";

    assertThatThrownBy(() -> ConfigLoader.load(write(routes + "route.far.base.url=https://other.example\n"), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("Route 'far'")
        .hasMessageContaining("https://other.example:443").hasMessageContaining("route.far.api.key.file")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-top"));
    WorkerConfig ownKey = ConfigLoader.load(write(routes + "route.far.base.url=https://other.example\n"
        + "route.far.api.key.env=FAR_KEY\n"), Map.of("FAR_KEY", "sk-far"));
    WorkerConfig sameHost = ConfigLoader.load(write(routes + "route.far.base.url=http://relay.example/v1\n"), Map.of());

    assertThat(RelayEndpoint.from(ownKey.forRoute("far")).apiKey().key().value()).isEqualTo("sk-far");
    assertThat(RelayEndpoint.from(sameHost.forRoute("far")).apiKey().key().value()).isEqualTo("sk-top");
  }

  private Path write(String text) throws Exception {
    Path file = dir.resolve("worker-" + System.nanoTime() + ".properties");
    Files.writeString(file, text);
    return file;
  }
}
