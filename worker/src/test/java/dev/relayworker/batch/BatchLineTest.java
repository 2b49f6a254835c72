package dev.relayworker.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BatchLineTest {

  private final ObjectMapper json = new ObjectMapper();

  @Test
  void aCompletionsLineKeepsItsCustomIdAndBody() {
    BatchLine.Parsed parsed = BatchLine.parse(3, "{\"custom_id\":\"r-1\",\"method\":\"POST\",\"url\":\"/v1/completions\","
        + "\"body\":{\"model\":\"davinci-002\",\"prompt\":\"hi\",\"max_tokens\":5}}", json);

    assertThat(parsed.bad()).isNull();
    assertThat(parsed.line().number()).isEqualTo(3);
    assertThat(parsed.line().customId()).isEqualTo("r-1");
    assertThat(new String(parsed.line().body(), StandardCharsets.UTF_8))
        .isEqualTo("{\"model\":\"davinci-002\",\"prompt\":\"hi\",\"max_tokens\":5}");
  }

  @Test
  void badLinesNameTheirProblemAndKeepACustomIdWhenTheyHaveOne() {
    assertThat(BatchLine.parse(1, "{\"custom_id\":", json).bad().problem()).startsWith("not valid JSON");
    assertThat(BatchLine.parse(2, "[1,2]", json).bad().problem()).isEqualTo("not a JSON object");
    assertThat(BatchLine.parse(3, "{\"method\":\"POST\"}", json).bad().problem()).contains("custom_id missing");
    BatchLine.Bad images = BatchLine.parse(4, "{\"custom_id\":\"e\",\"method\":\"POST\",\"url\":\"/v1/images/generations\","
        + "\"body\":{}}", json).bad();
    assertThat(images.customId()).isEqualTo("e");
    assertThat(images.number()).isEqualTo(4);
    assertThat(images.problem())
        .contains("url must be \"/v1/completions\", \"/v1/chat/completions\", \"/v1/embeddings\" or \"/v1/messages\"");
    BatchLine embeddings = BatchLine.parse(8, "{\"custom_id\":\"m\",\"method\":\"POST\",\"url\":\"/v1/embeddings\","
        + "\"body\":{\"input\":\"x\"}}", json).line();
    assertThat(embeddings.endpoint()).isEqualTo(dev.relayworker.relay.RelayApi.EMBEDDINGS);
    BatchLine chat = BatchLine.parse(7, "{\"custom_id\":\"c\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
        + "\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}", json).line();
    assertThat(chat.endpoint()).isEqualTo(dev.relayworker.relay.RelayApi.CHAT_COMPLETIONS);
    assertThat(BatchLine.parse(5, "{\"custom_id\":\"g\",\"method\":\"GET\",\"url\":\"/v1/completions\",\"body\":{}}", json)
        .bad().problem()).contains("method must be \"POST\"");
    assertThat(BatchLine.parse(6, "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/completions\",\"body\":\"x\"}",
        json).bad().problem()).contains("body missing or not a JSON object");
  }
}
