package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The answer assembled from a stream is the answer the same request gets whole: checked against
 * the simulator, which streams exactly what it would have answered, in each format.
 */
class StreamAssemblerTest {

  private final ObjectMapper json = new ObjectMapper();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);

  @AfterEach
  void stop() {
    simulator.close();
  }

  @Test
  void aChatStreamAssemblesToTheWholeAnswerAndTellsItsTextAsItComes() throws Exception {
    String request = "{\"model\":\"davinci-002\",\"n\":2,\"max_tokens\":30,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"tell me\"}]";
    JsonNode whole = json.readTree(post(RelayApi.CHAT_COMPLETIONS, request + "}"));
    List<StreamAssembler.Delta> deltas = new ArrayList<>();

    StreamAssembler stream = assemble(RelayApi.CHAT_COMPLETIONS,
        request + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}", deltas);

    JsonNode answer = json.readTree(stream.answer());
    assertThat(stream.done()).isTrue();
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.path("choices")).isEqualTo(whole.path("choices"));
    assertThat(answer.path("usage")).isEqualTo(whole.path("usage"));
    assertThat(answer.path("model").asText()).isEqualTo("davinci-002");
    StringBuilder second = new StringBuilder();
    deltas.stream().filter(delta -> delta.index() == 1).forEach(delta -> second.append(delta.text()));
    assertThat(second.toString()).isEqualTo(whole.at("/choices/1/message/content").asText());
  }

  @Test
  void aToolCallStreamAndATextStreamAssembleToTheirWholeAnswers() throws Exception {
    String tools = "{\"model\":\"davinci-002\",\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}],"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}]";
    String text = "{\"model\":\"davinci-002\",\"prompt\":[\"one\",\"two\"],\"max_tokens\":20";

    JsonNode toolAnswer = json.readTree(assemble(RelayApi.CHAT_COMPLETIONS, tools + ",\"stream\":true}",
        new ArrayList<>()).answer());
    JsonNode textAnswer = json.readTree(assemble(RelayApi.COMPLETIONS, text + ",\"stream\":true}", new ArrayList<>())
        .answer());

    assertThat(toolAnswer.path("choices")).isEqualTo(json.readTree(post(RelayApi.CHAT_COMPLETIONS, tools + "}"))
        .path("choices"));
    assertThat(textAnswer.path("object").asText()).isEqualTo("text_completion");
    assertThat(textAnswer.path("choices")).isEqualTo(json.readTree(post(RelayApi.COMPLETIONS, text + "}"))
        .path("choices"));
    assertThat(textAnswer.has("usage")).isFalse(); // not asked for: a stream carries none
  }

  @Test
  void aMessagesStreamAssemblesToTheWholeMessage() throws Exception {
    String request = "{\"model\":\"claude-3-5-haiku-20241022\",\"max_tokens\":25,\"system\":\"brief\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]";
    JsonNode whole = json.readTree(post(RelayApi.MESSAGES, request + "}"));
    List<StreamAssembler.Delta> deltas = new ArrayList<>();

    StreamAssembler stream = assemble(RelayApi.MESSAGES, request + ",\"stream\":true}", deltas);

    JsonNode answer = json.readTree(stream.answer());
    assertThat(stream.done()).isTrue();
    assertThat(answer.path("type").asText()).isEqualTo("message");
    assertThat(answer.path("content")).isEqualTo(whole.path("content"));
    assertThat(answer.path("stop_reason")).isEqualTo(whole.path("stop_reason"));
    assertThat(answer.path("usage")).isEqualTo(whole.path("usage"));
    assertThat(String.join("", deltas.stream().map(StreamAssembler.Delta::text).toList()))
        .isEqualTo(whole.at("/content/0/text").asText());
  }

  @Test
  void toolArgumentsAndToolInputsSplitAcrossEventsAreJoined() throws Exception {
    StreamAssembler chat = new StreamAssembler(RelayApi.CHAT_COMPLETIONS, json);
    chat.accept(event(null, "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":"
        + "[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}"));
    chat.accept(event(null, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
        + "{\"arguments\":\"{\\\"a\\\":\"}}]}}]}"));
    chat.accept(event(null, "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":"
        + "{\"arguments\":\"1}\"}}]},\"finish_reason\":\"tool_calls\"}]}"));
    StreamAssembler message = new StreamAssembler(RelayApi.MESSAGES, json);
    message.accept(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":\"message\","
        + "\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}"));
    message.accept(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
        + "{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}"));
    message.accept(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
        + "{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}"));
    message.accept(event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
        + "{\"type\":\"input_json_delta\",\"partial_json\":\"1}\"}}"));
    message.accept(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"));
    message.accept(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},"
        + "\"usage\":{\"output_tokens\":12}}"));

    JsonNode call = json.readTree(chat.answer()).at("/choices/0/message/tool_calls/0");
    JsonNode use = json.readTree(message.answer());
    assertThat(call.path("id").asText()).isEqualTo("call_1");
    assertThat(call.at("/function/name").asText()).isEqualTo("f");
    assertThat(call.at("/function/arguments").asText()).isEqualTo("{\"a\":1}");
    assertThat(use.at("/content/0/input/a").asInt()).isEqualTo(1);
    assertThat(use.path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(use.at("/usage/input_tokens").asInt()).isEqualTo(9);
    assertThat(use.at("/usage/output_tokens").asInt()).isEqualTo(12);
    assertThat(message.done()).isFalse(); // no message_stop yet
  }

  @Test
  void anErrorEventFailsTheAttemptTransiently() {
    StreamAssembler chat = new StreamAssembler(RelayApi.CHAT_COMPLETIONS, json);
    StreamAssembler message = new StreamAssembler(RelayApi.MESSAGES, json);

    assertThatThrownBy(() -> chat.accept(event(null, "{\"error\":{\"message\":\"upstream gone\",\"type\":\"server_error\"}}")))
        .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.isTransient()).isTrue())
        .hasMessage("relay stream broke: upstream gone");
    assertThatThrownBy(() -> message.accept(event("error", "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
        + "\"message\":\"Overloaded\"}}")))
        .isInstanceOfSatisfying(RelayException.class, e -> assertThat(e.error().type()).isEqualTo("overloaded_error"));
    assertThatThrownBy(() -> chat.accept(event(null, "not json"))).isInstanceOf(RelayException.class);
  }

  private StreamAssembler assemble(RelayApi api, String body, List<StreamAssembler.Delta> deltas) throws Exception {
    byte[] stream = post(api, body);
    StreamAssembler assembler = new StreamAssembler(api, json);
    SseReader reader = new SseReader(64 * 1024);
    for (int at = 0; at < stream.length; at += 13) {
      for (SseReader.Event event : reader.feed(stream, at, Math.min(13, stream.length - at))) {
        deltas.addAll(assembler.accept(event));
      }
    }
    return assembler;
  }

  private static SseReader.Event event(String name, String data) {
    return new SseReader.Event(name == null ? "message" : name, data);
  }

  private byte[] post(RelayApi api, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(simulator.baseUri().resolve(api.path()))
        .header("Authorization", "Bearer " + SimulatorSettings.DEFAULT_KEY)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofByteArray()).body();
  }
}
