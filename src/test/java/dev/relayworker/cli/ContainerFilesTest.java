package dev.relayworker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.relayworker.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Docker cannot run here, so the container files are checked against the code statically. */
class ContainerFilesTest {

  private final JsonNode compose = read();

  @Test
  void theWorkerIsGivenOnlyEnvironmentVariablesTheConfigurationReads() {
    List<String> names = new ArrayList<>();
    compose.at("/services/worker/environment").fieldNames().forEachRemaining(names::add);

    assertThat(names).isNotEmpty();
    assertThat(ConfigLoader.ENVIRONMENT.keySet()).containsAll(names);
  }

  @Test
  void servicesRunCommandsTheLauncherHas() {
    assertThat(Main.commandLine().getSubcommands())
        .containsKeys(compose.at("/services/worker/command/0").asText(),
            compose.at("/services/simulator/command/0").asText());
  }

  @Test
  void kafkaIsTheOfficialImageInKraftMode() {
    assertThat(compose.at("/services/kafka/image").asText()).startsWith("apache/kafka:");
    assertThat(compose.at("/services/kafka/environment/KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
  }

  @Test
  void theImageRunsAsANonRootUserOnAJre17() throws Exception {
    String dockerfile = Files.readString(Path.of("Dockerfile"));

    assertThat(dockerfile).contains("FROM eclipse-temurin:17-jre").contains("USER relay")
        .contains("COPY config /app/config");
  }

  private static JsonNode read() {
    try {
      return new YAMLMapper().readTree(Path.of("docker-compose.yml").toFile());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
