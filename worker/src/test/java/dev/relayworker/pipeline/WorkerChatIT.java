package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Chat requests go to /v1/chat/completions and come back as the relay's chat.completion, priced;
 * Messages requests go to /v1/messages and come back as its message, priced by Anthropic's usage.
 */
@ExtendWith(KafkaBroker.class)
class WorkerChatIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final ObjectMapper json = new ObjectMapper();
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @Test
  void chatAndCompletionRequestsEachGoToTheirEndpoint(KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "chat").createRequestTopic(2);

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      producer.send(record(workers, "chat", "{\"model\":\"gpt-3.5-turbo-instruct\",\"n\":2,\"max_tokens\":7,"
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hello there\"}]}", null));
      producer.send(record(workers, "tools", "{\"model\":\"davinci-002\",\"messages\":[{\"role\":\"user\","
          + "\"content\":\"weather?\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}]}",
          "/v1/chat/completions"));
      producer.send(record(workers, "legacy", "{\"model\":\"davinci-002\",\"prompt\":\"old style\",\"max_tokens\":4}",
          "/v1/completions"));
      producer.send(record(workers, "no-role", "{\"model\":\"davinci-002\",\"messages\":[{\"content\":\"x\"}]}", null));
      producer.flush();
      replies.awaitDistinctKeys(4, WAIT);
    }

    Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
    try (TopicReader reader = workers.replies()) {
      reader.readToEnd(WAIT).forEach(reply -> byKey.put(new String(reply.key(), StandardCharsets.UTF_8), reply));
    }
    JsonNode chat = json.readTree(byKey.get("chat").value());
    assertThat(chat.path("object").asText()).isEqualTo("chat.completion");
    assertThat(chat.path("choices")).hasSize(2);
    assertThat(chat.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    long prompt = chat.at("/usage/prompt_tokens").asLong();
    long completion = chat.at("/usage/completion_tokens").asLong();
    assertThat(header(byKey.get("chat"), ProtocolHeaders.USAGE_PROMPT_TOKENS)).isEqualTo(Long.toString(prompt));
    // gpt-3.5-turbo-instruct in the default table: model ratio 0.75, completion ratio 4/3.
    assertThat(header(byKey.get("chat"), ProtocolHeaders.COST_QUOTA))
        .isEqualTo(Long.toString((long) Math.ceil((prompt + completion * 1.3333333333) * 0.75 - 1e-9)));
    JsonNode tools = json.readTree(byKey.get("tools").value());
    assertThat(tools.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(tools.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
    assertThat(json.readTree(byKey.get("legacy").value()).path("object").asText()).isEqualTo("text_completion");
    assertThat(header(byKey.get("no-role"), ProtocolHeaders.ERROR_TYPE)).isEqualTo("invalid_request_error");
    assertThat(json.readTree(byKey.get("no-role").value()).at("/error/message").asText())
        .contains("messages[0] needs a role");
    assertThat(simulator.stats().calls()).isEqualTo(3);
  }

  @Test
  void messagesRequestsGoToTheMessagesEndpointWithTheKeyAsXApiKeyAndArePriced(KafkaBroker.Running broker)
      throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "messages").createRequestTopic(2);
    String claude = "{\"model\":\"claude-3-5-haiku-20241022\",\"max_tokens\":12,\"system\":\"You are terse.\","
        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Say hi\"}]}]}";

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      ProducerRecord<byte[], byte[]> versioned = record(workers, "versioned", claude, null);
      versioned.headers().add(ProtocolHeaders.ANTHROPIC_VERSION, TestWorkers.utf8("2023-06-01"));
      producer.send(versioned);
      producer.send(record(workers, "named", claude, "/v1/messages"));
      ProducerRecord<byte[], byte[]> unbounded = record(workers, "no-max", "{\"model\":\"claude-3-5-haiku-20241022\","
          + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", null);
      unbounded.headers().add(ProtocolHeaders.ANTHROPIC_VERSION, TestWorkers.utf8("2023-06-01"));
      producer.send(unbounded);
      producer.flush();
      replies.awaitDistinctKeys(3, WAIT);
    }

    Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
    try (TopicReader reader = workers.replies()) {
      reader.readToEnd(WAIT).forEach(reply -> byKey.put(new String(reply.key(), StandardCharsets.UTF_8), reply));
    }
    for (String key : new String[] {"versioned", "named"}) {
      ConsumerRecord<byte[], byte[]> reply = byKey.get(key);
      JsonNode message = json.readTree(reply.value());
      assertThat(message.path("type").asText()).isEqualTo("message");
      assertThat(message.at("/content/0/type").asText()).isEqualTo("text");
      long input = message.at("/usage/input_tokens").asLong();
      long output = message.at("/usage/output_tokens").asLong();
      assertThat(header(reply, ProtocolHeaders.USAGE_PROMPT_TOKENS)).isEqualTo(Long.toString(input));
      assertThat(header(reply, ProtocolHeaders.USAGE_COMPLETION_TOKENS)).isEqualTo(Long.toString(output));
      // claude-3-5-haiku in the default table: model ratio 0.4, completion ratio 5.
      assertThat(header(reply, ProtocolHeaders.COST_QUOTA))
          .isEqualTo(Long.toString((long) Math.ceil((input + output * 5) * 0.4 - 1e-9)));
    }
    assertThat(header(byKey.get("no-max"), ProtocolHeaders.ERROR_TYPE)).isEqualTo("invalid_request_error");
    assertThat(json.readTree(byKey.get("no-max").value()).at("/error/message").asText())
        .isEqualTo("max_tokens is required for /v1/messages");
    assertThat(simulator.stats().messagesAuth()).containsExactly(Map.entry("x-api-key 2023-06-01", 2L));
  }

  private static ProducerRecord<byte[], byte[]> record(TestWorkers workers, String key, String body, String endpoint) {
    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8(key),
        TestWorkers.utf8(body));
    if (endpoint != null) {
      record.headers().add(ProtocolHeaders.ENDPOINT, TestWorkers.utf8(endpoint));
    }
    return record;
  }
}
