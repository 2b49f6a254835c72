package dev.relayworker.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigReferenceTest {

  @Test
  void theCommittedReferenceMatchesTheDeclarations() throws Exception {
    String committed = Files.readString(Path.of("docs/configuration.md"));

    assertThat(committed)
        .as("docs/configuration.md is stale: run bin/relay-worker config-reference > docs/configuration.md")
        .isEqualTo(ConfigReference.markdown());
  }

  @Test
  void everySettingHasDocumentation() {
    WorkerConfig.DEFINITION.configKeys().values()
        .forEach(key -> assertThat(key.documentation).as(key.name).isNotBlank());
  }
}
