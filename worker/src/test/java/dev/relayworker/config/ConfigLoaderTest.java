package dev.relayworker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relayworker.relay.RelayEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

  @TempDir
  Path dir;

  @Test
  void theEnvironmentOverridesTheFile() throws Exception {
    Path file = write("kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://from-file:1\nrelay.api.key=sk-file\nrelay.rate.limit.rpm=600\n");

    WorkerConfig config = ConfigLoader.load(file, Map.of("RELAY_BASE_URL", "http://from-env:2", "RELAY_API_KEY", ""));

    assertThat(config.getString(WorkerConfig.RELAY_BASE_URL)).isEqualTo("http://from-env:2");
    assertThat(config.relayApiKey().value()).isEqualTo("sk-file");
    assertThat(config.getInt(WorkerConfig.RELAY_RATE_LIMIT_RPM)).isEqualTo(600);
  }

  @Test
  void aMissingKeyIsNamedWhenTheRelayIsOpened() throws Exception {
    Path file = write("kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://relay\n");
    // Loading succeeds: send and batch read the same file and never call the relay.
    WorkerConfig config = ConfigLoader.load(file, Map.of());

    assertThatThrownBy(() -> RelayEndpoint.from(config))
        .isInstanceOf(ConfigException.class).hasMessageContaining("relay.api.key").hasMessageContaining("relay.api.key.file");
  }

  @Test
  void aBadValueIsNamedWithItsKey() throws Exception {
    Path file = write("kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://relay\nrelay.api.key=k\nrelay.retry.max.attempts=0\n");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("relay.retry.max.attempts");
  }

  @Test
  void aMisspeltKeyIsRefused() throws Exception {
    Path file = write("kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://relay\nrelay.api.key=k\nrelay.rate.limit.rmp=600\n");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("relay.rate.limit.rmp");
  }

  @Test
  void theShippedConfigLoads() {
    WorkerConfig config = ConfigLoader.load(Path.of("config/worker.properties"), Map.of());

    assertThat(config.getString(WorkerConfig.RELAY_BASE_URL)).isEqualTo("http://127.0.0.1:8089");
  }

  @Test
  void aBaseUrlWithOrWithoutV1MeansTheSamePlace() {
    assertThat(RelayEndpoint.of("https://relay.example.com/v1", "k").completionsUri())
        .hasToString("https://relay.example.com/v1/completions");
    assertThat(RelayEndpoint.of("https://relay.example.com", "k").completionsUri())
        .hasToString("https://relay.example.com/v1/completions");
  }

  @Test
  void theKeyNeverPrints() throws Exception {
    Path file = write("kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://relay\nrelay.api.key=sk-very-secret-123\n");

    WorkerConfig config = ConfigLoader.load(file, Map.of());

    assertThat(config.toString()).doesNotContain("sk-very-secret-123");
    assertThat(RelayEndpoint.from(config).toString()).doesNotContain("sk-very-secret-123");
  }

  @Test
  void aKeyThatCannotBeAHeaderValueIsRefusedWithoutShowingIt() throws Exception {
    String base = "kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://relay\n";
    for (String key : new String[] {"sk-Qx7Zr9Kw\u200b", "sk-Qx7\tZr9Kw", "sk-Qx7\u00e9Zr9Kw", "sk-Qx7 Zr9Kw"}) {
      Path file = write(base);
      assertThatThrownBy(() -> ConfigLoader.load(file, Map.of("RELAY_API_KEY", key)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("relay.api.key")
          .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Qx7").doesNotContain("Zr9Kw"));
    }
  }

  @Test
  void anUnknownKafkaSettingIsRefusedByName() throws Exception {
    Path file = write("kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://relay\nrelay.api.key=k\n"
        + "kafka.security.protocl=SSL\n");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("kafka.security.protocl");
  }

  @Test
  void kafkaSettingFamiliesByPrefixAreKept() throws Exception {
    Path file = write("kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://relay\nrelay.api.key=k\n"
        + "kafka.security.protocol=PLAINTEXT\nkafka.config.providers=file\n"
        + "kafka.config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n"
        + "kafka.metrics.context.team=llm\n");

    WorkerConfig config = ConfigLoader.load(file, Map.of());

    assertThat(config.kafkaClientProperties()).containsKeys("config.providers.file.class", "metrics.context.team");
  }

  @Test
  void aBadReplyTopicPatternIsAConfigurationError() throws Exception {
    Path file = write("kafka.bootstrap.servers=localhost:9092\nrelay.base.url=http://relay\nrelay.api.key=k\n"
        + "reply.topic.allowed.pattern=replies.(unclosed\n");

    assertThatThrownBy(() -> ConfigLoader.load(file, Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("reply.topic.allowed.pattern");
  }

  @Test
  void theBaseUrlIsShownWithoutUserInfo() {
    RelayEndpoint endpoint = RelayEndpoint.of("https://joe:hunter2@relay.example.com:8443/api", "k");

    assertThat(endpoint.displayUri()).isEqualTo("https://relay.example.com:8443/api/");
    assertThatThrownBy(() -> RelayEndpoint.of("https://joe:hunter2@relay example.com", "k"))
        .isInstanceOf(ConfigException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("hunter2"));
  }

  private Path write(String text) throws Exception {
    Path file = dir.resolve("worker.properties");
    Files.writeString(file, text);
    return file;
  }
}
