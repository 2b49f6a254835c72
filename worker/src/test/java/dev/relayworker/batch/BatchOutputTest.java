package dev.relayworker.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchOutputTest {

  private final ObjectMapper json = new ObjectMapper();

  @TempDir
  Path dir;

  @Test
  void reopeningDropsALineCutShortAndSkipsTheCustomIdsAlreadyAnswered() throws Exception {
    Path file = dir.resolve("out.jsonl");
    Files.writeString(file, "{\"custom_id\":\"a\",\"error\":null}\n{\"custom_id\":\"b\",\"error\":null}\n{\"custom_id\":\"c\",\"err");

    try (BatchOutput output = BatchOutput.open(file, json)) {
      assertThat(output.doneCount()).isEqualTo(2);
      assertThat(output.isDone("a")).isTrue();
      assertThat(output.isDone("c")).isFalse();
      assertThat(output.write("c", json.createObjectNode().put("custom_id", "c"))).isTrue();
      assertThat(output.write("a", json.createObjectNode().put("custom_id", "a"))).isFalse();
    }

    assertThat(Files.readAllLines(file)).containsExactly(
        "{\"custom_id\":\"a\",\"error\":null}", "{\"custom_id\":\"b\",\"error\":null}", "{\"custom_id\":\"c\"}");
  }

  @Test
  void aMissingFileIsCreatedEmpty() throws Exception {
    Path file = dir.resolve("new.jsonl");

    try (BatchOutput output = BatchOutput.open(file, json)) {
      assertThat(output.doneCount()).isZero();
    }

    assertThat(file).exists().isEmptyFile();
  }
}
