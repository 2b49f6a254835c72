package dev.relayworker.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RelaySimulatorTest {

  private static final String BODY = "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"hi\"}";
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final ObjectMapper mapper = new ObjectMapper();
  private RelaySimulator simulator;

  @AfterEach
  void stop() {
    if (simulator != null) {
      simulator.close();
    }
  }

  @Test
  void answersACompletionWithUsage() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);

    HttpResponse<String> answer = post(BODY, SimulatorSettings.DEFAULT_KEY);

    JsonNode json = mapper.readTree(answer.body());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(json.path("object").asText()).isEqualTo("text_completion");
    assertThat(json.at("/usage/total_tokens").asInt()).isPositive();
    assertThat(simulator.stats().callsForPrompt("hi")).isEqualTo(1);
  }

  @Test
  void answersEmbeddingsWithAVectorPerInputSeededByTheInputAndHonestUsage() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);

    HttpResponse<String> answer = postTo("/v1/embeddings",
        "{\"model\":\"text-embedding-3-small\",\"dimensions\":8,\"input\":[\"hello world\",\"hi\"]}");
    HttpResponse<String> again = postTo("/v1/embeddings",
        "{\"model\":\"text-embedding-3-small\",\"dimensions\":8,\"input\":\"hi\",\"encoding_format\":\"base64\"}");

    JsonNode json = mapper.readTree(answer.body());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(json.path("object").asText()).isEqualTo("list");
    assertThat(json.path("data")).hasSize(2);
    assertThat(json.at("/data/1/object").asText()).isEqualTo("embedding");
    assertThat(json.at("/data/1/index").asInt()).isEqualTo(1);
    float[] expected = RelaySimulator.embeddingOf("hi", 8);
    assertThat(json.at("/data/1/embedding")).hasSize(8);
    double norm = 0;
    for (int i = 0; i < 8; i++) {
      assertThat(json.at("/data/1/embedding/" + i).floatValue()).isEqualTo(expected[i]);
      norm += expected[i] * expected[i];
    }
    assertThat(norm).isCloseTo(1.0, offset(1e-5));
    // "hello world" is 2 cl100k tokens, "hi" 1.
    assertThat(json.at("/usage/prompt_tokens").asLong()).isEqualTo(3);
    assertThat(json.at("/usage/total_tokens").asLong()).isEqualTo(3);
    byte[] packed = Base64.getDecoder().decode(mapper.readTree(again.body()).at("/data/0/embedding").asText());
    FloatBuffer floats = ByteBuffer.wrap(packed).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    assertThat(floats.remaining()).isEqualTo(8);
    assertThat(floats.get(3)).isEqualTo(expected[3]);
    assertThat(simulator.stats().embeddingCalls()).isEqualTo(2);
    assertThat(simulator.stats().embeddingInputs()).isEqualTo(3);
    assertThat(simulator.stats().inputsPerCall()).containsExactly(2, 1);
    assertThat(simulator.stats().embeddingsOf("hi")).isEqualTo(2);
    JsonNode stats = mapper.readTree(http.send(HttpRequest.newBuilder(simulator.baseUri().resolve("/stats")).build(),
        HttpResponse.BodyHandlers.ofString()).body());
    assertThat(stats.at("/embeddings/max_inputs_per_call").asInt()).isEqualTo(2);
  }

  @Test
  void streamsAChatAnswerAsChunksWhoseDeltasJoinToTheWholeAnswer() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    String chat = "{\"model\":\"davinci-002\",\"max_tokens\":40,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    HttpResponse<String> whole = postTo("/v1/chat/completions", chat + "}");
    HttpResponse<String> streamed = postTo("/v1/chat/completions",
        chat + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");

    assertThat(streamed.headers().firstValue("content-type")).hasValue("text/event-stream");
    List<String> events = List.of(streamed.body().split("\n\n"));
    assertThat(events.get(events.size() - 1)).isEqualTo("data: [DONE]");
    StringBuilder text = new StringBuilder();
    for (String event : events.subList(0, events.size() - 2)) {
      JsonNode chunk = mapper.readTree(event.substring("data: ".length()));
      assertThat(chunk.path("object").asText()).isEqualTo("chat.completion.chunk");
      text.append(chunk.at("/choices/0/delta/content").asText(""));
    }
    JsonNode answer = mapper.readTree(whole.body());
    assertThat(text.toString()).isEqualTo(answer.at("/choices/0/message/content").asText());
    assertThat(events.size()).isGreaterThan(4);
    JsonNode usage = mapper.readTree(events.get(events.size() - 2).substring("data: ".length()));
    assertThat(usage.path("choices")).isEmpty();
    assertThat(usage.path("usage")).isEqualTo(answer.path("usage"));
  }

  @Test
  void streamsAMessagesAnswerAsAnthropicEvents() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    String request = "{\"model\":\"claude-3-5-haiku-20241022\",\"max_tokens\":30,"
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]";

    JsonNode whole = mapper.readTree(postTo("/v1/messages", request + "}").body());
    String streamed = postTo("/v1/messages", request + ",\"stream\":true}").body();

    List<String> names = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    long outputTokens = -1;
    for (String event : streamed.split("\n\n")) {
      String[] lines = event.split("\n", 2);
      names.add(lines[0].substring("event: ".length()));
      JsonNode data = mapper.readTree(lines[1].substring("data: ".length()));
      text.append(data.at("/delta/text").asText(""));
      if (data.path("type").asText().equals("message_delta")) {
        outputTokens = data.at("/usage/output_tokens").asLong();
      }
    }
    assertThat(names.subList(0, 3)).containsExactly("message_start", "content_block_start", "ping");
    assertThat(names.subList(names.size() - 3, names.size()))
        .containsExactly("content_block_stop", "message_delta", "message_stop");
    assertThat(text.toString()).isEqualTo(whole.at("/content/0/text").asText());
    assertThat(outputTokens).isEqualTo(whole.at("/usage/output_tokens").asLong());
  }

  @Test
  void aCutStreamStopsHalfWayWithoutItsEnd() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    simulator.scriptNext(Fault.CUT);

    HttpResponse<InputStream> cut = http.send(HttpRequest.newBuilder(simulator.baseUri().resolve(
            "/v1/completions")).header("Authorization", "Bearer " + SimulatorSettings.DEFAULT_KEY)
        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"davinci-002\",\"prompt\":\"p\",\"max_tokens\":30,"
            + "\"stream\":true}")).build(), HttpResponse.BodyHandlers.ofInputStream());
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    try (InputStream body = cut.body()) {
      body.transferTo(received);
    } catch (IOException e) {
      // The connection closed in the middle of the chunked body: what came before it is what counts.
    }

    String text = received.toString(StandardCharsets.UTF_8);
    assertThat(text).startsWith("data: {").doesNotContain("[DONE]");
    assertThat(simulator.stats().outcome("cut")).isEqualTo(1);
  }

  @Test
  void refusesAnEmbeddingsInputOverTheContextOrEmpty() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withEmbeddingContext(3), 0);

    HttpResponse<String> tooLong = postTo("/v1/embeddings",
        "{\"model\":\"text-embedding-3-small\",\"input\":[\"ok\",\"one two three four\"]}");
    HttpResponse<String> empty = postTo("/v1/embeddings", "{\"model\":\"text-embedding-3-small\",\"input\":[\"\"]}");

    assertThat(tooLong.statusCode()).isEqualTo(400);
    assertThat(mapper.readTree(tooLong.body()).at("/error/message").asText())
        .startsWith("This model's maximum context length is 3 tokens, however you requested 4 tokens");
    assertThat(empty.statusCode()).isEqualTo(400);
    assertThat(simulator.stats().embeddingCalls()).isZero();
  }

  @Test
  void answersAChatCompletionWithNChoicesAndHonestUsage() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);

    HttpResponse<String> answer = postTo("/v1/chat/completions", "{\"model\":\"davinci-002\",\"n\":2,\"max_tokens\":6,"
        + "\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hi\"}]}");

    JsonNode json = mapper.readTree(answer.body());
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(json.path("object").asText()).isEqualTo("chat.completion");
    assertThat(json.path("choices")).hasSize(2);
    assertThat(json.at("/choices/1/message/role").asText()).isEqualTo("assistant");
    assertThat(json.at("/choices/1/finish_reason").asText()).isIn("stop", "length");
    // 3 + (3 + "system" + "be brief") + (3 + "user" + "hi"): 3 + 3 + 1 + 2 + 3 + 1 + 1 = 14 cl100k tokens.
    assertThat(json.at("/usage/prompt_tokens").asLong()).isEqualTo(14);
    assertThat(json.at("/usage/completion_tokens").asLong()).isBetween(2L, 12L);
    assertThat(simulator.stats().callsForPrompt("hi")).isEqualTo(1);
  }

  @Test
  void answersAChatRequestWithToolsWithAToolCall() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);

    HttpResponse<String> answer = postTo("/v1/chat/completions", "{\"model\":\"davinci-002\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}],"
        + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{}}}]}");

    JsonNode choice = mapper.readTree(answer.body()).at("/choices/0");
    assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(choice.at("/message/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
    assertThat(choice.at("/message/content").isNull()).isTrue();
  }

  @Test
  void refusesAWrongKeyInTheRelaysErrorShape() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);

    HttpResponse<String> answer = post(BODY, "sk-wrong");

    assertThat(answer.statusCode()).isEqualTo(401);
    assertThat(mapper.readTree(answer.body()).at("/error/code").asText()).isEqualTo("invalid_api_key");
    assertThat(simulator.stats().outcome("401")).isEqualTo(1);
  }

  @Test
  void answersAnUnservedModelWith503ModelNotFound() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);

    HttpResponse<String> answer = post("{\"model\":\"gpt-99\",\"prompt\":\"hi\"}", SimulatorSettings.DEFAULT_KEY);

    assertThat(answer.statusCode()).isEqualTo(503);
    assertThat(mapper.readTree(answer.body()).at("/error/code").asText()).isEqualTo("model_not_found");
  }

  @Test
  void refusesABadRequestNamingTheParameter() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);

    HttpResponse<String> answer = post("{\"model\":\"davinci-002\",\"prompt\":\"x\",\"n\":500}",
        SimulatorSettings.DEFAULT_KEY);

    assertThat(answer.statusCode()).isEqualTo(400);
    assertThat(mapper.readTree(answer.body()).at("/error/param").asText()).isEqualTo("n");
  }

  @Test
  void enforcesItsOwnRateLimitWithRetryAfter() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withRateLimit(60, 2), 0);

    int first = post(BODY, SimulatorSettings.DEFAULT_KEY).statusCode();
    int second = post(BODY, SimulatorSettings.DEFAULT_KEY).statusCode();
    HttpResponse<String> third = post(BODY, SimulatorSettings.DEFAULT_KEY);

    assertThat(first).isEqualTo(200);
    assertThat(second).isEqualTo(200);
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("Retry-After")).isPresent();
    assertThat(Long.parseLong(third.headers().firstValue("retry-after-ms").orElseThrow())).isPositive();
  }

  @Test
  void injectsScriptedFaultsThenAnswers() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withRetryAfter(Duration.ofMillis(1500)), 0);
    simulator.scriptNext(Fault.RATE_LIMITED, Fault.BAD_GATEWAY, Fault.MALFORMED);

    HttpResponse<String> limited = post(BODY, SimulatorSettings.DEFAULT_KEY);
    HttpResponse<String> badGateway = post(BODY, SimulatorSettings.DEFAULT_KEY);
    HttpResponse<String> malformed = post(BODY, SimulatorSettings.DEFAULT_KEY);
    HttpResponse<String> fine = post(BODY, SimulatorSettings.DEFAULT_KEY);

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.headers().firstValue("Retry-After")).contains("2");
    assertThat(limited.headers().firstValue("retry-after-ms")).contains("1500");
    assertThat(badGateway.statusCode()).isEqualTo(502);
    assertThat(malformed.statusCode()).isEqualTo(200);
    assertThat(malformed.body()).doesNotEndWith("}");
    assertThat(fine.statusCode()).isEqualTo(200);
    assertThat(simulator.stats().byOutcome()).containsEntry("429", 1L).containsEntry("502", 1L)
        .containsEntry("malformed", 1L).containsEntry("200", 1L);
  }

  @Test
  void injectsRandomFaultsAtTheConfiguredRate() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withFault(Fault.SERVER_ERROR, 0.5), 0);

    int failures = 0;
    for (int i = 0; i < 200; i++) {
      failures += post(BODY, SimulatorSettings.DEFAULT_KEY).statusCode() == 500 ? 1 : 0;
    }

    // Seeded draws: the count is the same every run; the bounds only say it is near half.
    assertThat(failures).isBetween(70, 130);
  }

  @Test
  void listsModelsAndServesStats() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    post(BODY, SimulatorSettings.DEFAULT_KEY);

    JsonNode models = mapper.readTree(get("/v1/models").body());
    JsonNode stats = mapper.readTree(get("/stats").body());

    assertThat(models.path("data").findValuesAsText("id")).contains("gpt-3.5-turbo-instruct");
    assertThat(stats.path("calls").asInt()).isEqualTo(1);
    assertThat(stats.at("/by_status/200").asInt()).isEqualTo(1);
    assertThat(stats.at("/by_prompt/hi").asInt()).isEqualTo(1);
  }

  @Test
  void spendsTheKeysQuotaByTheRelaysFormulaAndRefusesOnceItIsUsedUp() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withFlavor(Flavor.NEW_API).withQuota(100)
        .withPrices(2, 3, 0.5), 0);

    JsonNode first = mapper.readTree(post(BODY, SimulatorSettings.DEFAULT_KEY).body());
    long prompt = first.at("/usage/prompt_tokens").asLong();
    long completion = first.at("/usage/completion_tokens").asLong();
    long price = (long) Math.ceil((prompt + completion * 3.0) * 2 * 0.5);
    assertThat(simulator.quota().remaining()).isEqualTo(Math.max(0, 100 - price));
    while (!simulator.quota().usedUp()) {
      assertThat(post(BODY, SimulatorSettings.DEFAULT_KEY).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> refused = post(BODY, SimulatorSettings.DEFAULT_KEY);

    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(mapper.readTree(refused.body()).at("/error/code").asText()).isEqualTo("insufficient_user_quota");
    assertThat(mapper.readTree(refused.body()).at("/error/message").asText()).startsWith("用户额度不足")
        .matches(".*\\(request id: \\w+\\)$");
    assertThat(refused.headers().firstValue("X-Oneapi-Request-Id")).isPresent();

    HttpResponse<String> topUp = http.send(HttpRequest.newBuilder(simulator.baseUri().resolve("/admin/quota"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"add\": 1000}")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(mapper.readTree(topUp.body()).path("remaining").asLong()).isEqualTo(1000);
    assertThat(post(BODY, SimulatorSettings.DEFAULT_KEY).statusCode()).isEqualTo(200);
  }

  @Test
  void answersInEachFlavorsWords() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withFlavor(Flavor.ONE_API).withRateLimit(60, 1), 0);

    HttpResponse<String> noChannel = post("{\"model\":\"gpt-99\",\"prompt\":\"hi\"}", SimulatorSettings.DEFAULT_KEY);
    HttpResponse<String> limited = post(BODY, SimulatorSettings.DEFAULT_KEY);

    assertThat(noChannel.statusCode()).isEqualTo(503);
    assertThat(mapper.readTree(noChannel.body()).at("/error/code").isNull()).isTrue();
    assertThat(mapper.readTree(noChannel.body()).at("/error/message").asText()).contains("无可用渠道");
    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.body()).isEmpty();
    assertThat(limited.headers().firstValue("Retry-After")).isEmpty();
  }

  @Test
  void enforcesATokensPerMinuteLimit() throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withTokensPerMinute(60), 0);

    int answered = 0;
    HttpResponse<String> answer = post("{\"model\":\"davinci-002\",\"prompt\":\"hi\",\"max_tokens\":10}",
        SimulatorSettings.DEFAULT_KEY);
    while (answer.statusCode() == 200 && answered < 10) {
      answered++;
      answer = post("{\"model\":\"davinci-002\",\"prompt\":\"hi\",\"max_tokens\":10}", SimulatorSettings.DEFAULT_KEY);
    }

    // At most 11 tokens each (a prompt token and 10 completion tokens): a minute's 60 hold 5 or more.
    assertThat(answered).isBetween(5, 9);
    assertThat(answer.statusCode()).isEqualTo(429);
    assertThat(mapper.readTree(answer.body()).at("/error/message").asText()).contains("tokens per minute");
  }

  private HttpResponse<String> postTo(String path, String body) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(simulator.baseUri().resolve(path))
        .header("Authorization", "Bearer " + SimulatorSettings.DEFAULT_KEY)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String body, String key) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(simulator.baseUri().resolve("/v1/completions"))
        .header("Authorization", "Bearer " + key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(simulator.baseUri().resolve(path))
        .header("Authorization", "Bearer " + SimulatorSettings.DEFAULT_KEY).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
