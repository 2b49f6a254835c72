package dev.relayworker.batch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
  void aDamagedLineInTheMiddleLosesNoLineAfterIt() throws Exception {
    Path file = dir.resolve("out.jsonl");
    Files.writeString(file, "{\"custom_id\":\"a\",\"error\":null}\n{\"custom_id\":\"b\",\"err\n{\"custom_id\":\"c\"}\n");

    try (BatchOutput output = BatchOutput.open(file, json)) {
      assertThat(output.isDone("a")).isTrue();
      assertThat(output.isDone("b")).isFalse();
      assertThat(output.isDone("c")).isTrue();
    }

    assertThat(Files.readAllLines(file)).hasSize(3);
  }

  @Test
  void aFileThatIsNotABatchOutputIsRefusedAndLeftAlone() throws Exception {
    Path file = dir.resolve("notes.txt");
    Files.writeString(file, "dear diary\nsecond line\n");

    assertThatThrownBy(() -> BatchOutput.open(file, json)).isInstanceOf(BatchOutput.Refused.class)
        .hasMessageContaining("not a batch output file");

    assertThat(Files.readString(file)).isEqualTo("dear diary\nsecond line\n");
  }

  @Test
  void aSecondRunOnTheSameOutputIsRefusedWhileTheFirstHoldsIt() throws Exception {
    Path file = dir.resolve("out.jsonl");

    try (BatchOutput first = BatchOutput.open(file, json)) {
      assertThatThrownBy(() -> BatchOutput.open(file, json)).isInstanceOf(BatchOutput.Refused.class)
          .hasMessageContaining("another batch run");
    }
    try (BatchOutput after = BatchOutput.open(file, json)) {
      assertThat(after.doneCount()).isZero();
    }
  }

  @Test
  void theRunIdIsKeptBesideTheFileForRunsThatResumeItAndNewForANewFile() throws Exception {
    Path file = dir.resolve("out.jsonl");
    String first;
    try (BatchOutput output = BatchOutput.open(file, json)) {
      first = output.runId();
      output.write("a", json.createObjectNode().put("custom_id", "a"));
    }
    String resumed;
    try (BatchOutput output = BatchOutput.open(file, json)) {
      resumed = output.runId();
    }
    Files.delete(file);
    String restarted;
    try (BatchOutput output = BatchOutput.open(file, json)) {
      restarted = output.runId();
    }

    assertThat(first).matches("[0-9a-f]{32}");
    assertThat(resumed).isEqualTo(first);
    assertThat(restarted).isNotEqualTo(first);
  }

  @Test
  void aStartedOutputIsResumedOnlyWithTheInputItWasStartedFor() throws Exception {
    Path file = dir.resolve("out.jsonl");
    String run;
    try (BatchOutput output = BatchOutput.open(file, json, "aaaa")) {
      run = output.runId();
      output.write("a", json.createObjectNode().put("custom_id", "a"));
    }

    assertThatThrownBy(() -> BatchOutput.open(file, json, "bbbb")).isInstanceOf(BatchOutput.Refused.class)
        .hasMessageContaining("started for another input");
    try (BatchOutput output = BatchOutput.open(file, json, "aaaa")) {
      assertThat(output.runId()).isEqualTo(run);
    }
    assertThat(Files.readAllLines(file)).hasSize(1);
  }

  @Test
  void aBadInputLineIsAnsweredOnceByItsNumber() throws Exception {
    Path file = dir.resolve("out.jsonl");
    try (BatchOutput output = BatchOutput.open(file, json)) {
      assertThat(output.writeBadLine(7, json.createObjectNode().putNull("custom_id").set("error",
          json.createObjectNode().put("code", "invalid_batch_line")))).isTrue();
    }

    try (BatchOutput output = BatchOutput.open(file, json)) {
      assertThat(output.writeBadLine(7, json.createObjectNode())).isFalse();
    }
    assertThat(Files.readAllLines(file)).singleElement().asString().contains("\"line\":7");
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
