package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static dev.relayworker.testkit.TopicReader.key;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.requester.StreamPreview;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Streamed requests, against the simulator streaming one event every 15 ms: their text arrives as
 * chunk records on the stream topic before the final reply, in order, with one last marker per
 * completed attempt, and the reader's rule ({@link StreamPreview}) yields exactly the final
 * reply's text, also when an attempt is cut half-way and retried.
 */
@ExtendWith(KafkaBroker.class)
class WorkerStreamIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private final ObjectMapper json = new ObjectMapper();
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @Test
  void chatCompletionAndMessagesStreamsArriveAsChunksBeforeTheirFinalReplies(KafkaBroker.Running broker)
      throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withStreamChunkDelay(Duration.ofMillis(15)), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "stream").createRequestTopic(2)
        .with("stream.chunk.linger.ms", 40);
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      producer.send(request(workers, "chat", "{\"model\":\"gpt-3.5-turbo-instruct\",\"stream\":true,\"n\":2,"
          + "\"max_tokens\":40,\"messages\":[{\"role\":\"user\",\"content\":\"tell me a story\"}]}"));
      ProducerRecord<byte[], byte[]> byHeader = request(workers, "text",
          "{\"model\":\"davinci-002\",\"prompt\":\"once upon a time\",\"max_tokens\":40}");
      byHeader.headers().add(ProtocolHeaders.RELAY_STREAM, TestWorkers.utf8("true"));
      producer.send(byHeader);
      ProducerRecord<byte[], byte[]> claude = request(workers, "claude", "{\"model\":\"claude-3-5-haiku-20241022\","
          + "\"max_tokens\":40,\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"a story\"}]}");
      claude.headers().add(ProtocolHeaders.ANTHROPIC_VERSION, TestWorkers.utf8("2023-06-01"));
      producer.send(claude);
      producer.send(request(workers, "whole", "{\"model\":\"davinci-002\",\"stream\":false,\"prompt\":\"x\","
          + "\"max_tokens\":5}"));
      producer.flush();
      replies.awaitDistinctKeys(4, WAIT);
    }

    Map<String, ConsumerRecord<byte[], byte[]>> finals = byKey(workers.replies());
    Map<String, List<ConsumerRecord<byte[], byte[]>>> chunks = chunksByKey(workers);
    assertThat(chunks).containsOnlyKeys("chat", "text", "claude");

    JsonNode chat = json.readTree(finals.get("chat").value());
    assertThat(chat.path("object").asText()).isEqualTo("chat.completion");
    assertThat(chat.at("/usage/completion_tokens").asLong()).isPositive(); // include_usage was asked for
    assertThat(header(finals.get("chat"), ProtocolHeaders.COST_QUOTA)).isNotNull();
    assertStreamed(chunks.get("chat"), finals.get("chat"), List.of(chat.at("/choices/0/message/content").asText(),
        chat.at("/choices/1/message/content").asText()));
    JsonNode text = json.readTree(finals.get("text").value());
    assertThat(text.path("object").asText()).isEqualTo("text_completion");
    assertThat(header(finals.get("text"), ProtocolHeaders.USAGE_COMPLETION_TOKENS))
        .isEqualTo(text.at("/usage/completion_tokens").asText());
    assertStreamed(chunks.get("text"), finals.get("text"), List.of(text.at("/choices/0/text").asText()));
    JsonNode message = json.readTree(finals.get("claude").value());
    assertThat(message.path("type").asText()).isEqualTo("message");
    assertThat(header(finals.get("claude"), ProtocolHeaders.USAGE_COMPLETION_TOKENS))
        .isEqualTo(message.at("/usage/output_tokens").asText());
    assertStreamed(chunks.get("claude"), finals.get("claude"), List.of(message.at("/content/0/text").asText()));
    assertThat(json.readTree(finals.get("whole").value()).path("object").asText()).isEqualTo("text_completion");
  }

  @Test
  void anAttemptCutHalfWayIsRetriedAndTheReadersRuleYieldsTheFinalText(KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withStreamChunkDelay(Duration.ofMillis(5)), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "stream-cut").createRequestTopic(1)
        .with("stream.chunk.linger.ms", 0);
    simulator.scriptNext(Fault.CUT);
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      producer.send(request(workers, "cut", "{\"model\":\"gpt-3.5-turbo-instruct\",\"stream\":true,"
          + "\"max_tokens\":30,\"messages\":[{\"role\":\"user\",\"content\":\"go on\"}]}"));
      producer.flush();
      replies.awaitDistinctKeys(1, WAIT);
    }

    ConsumerRecord<byte[], byte[]> reply = byKey(workers.replies()).get("cut");
    assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo(ProtocolHeaders.STATUS_OK);
    assertThat(header(reply, ProtocolHeaders.ATTEMPTS)).isEqualTo("2");
    List<ConsumerRecord<byte[], byte[]>> chunks = chunksByKey(workers).get("cut");
    Map<String, List<ConsumerRecord<byte[], byte[]>>> byAttempt = byAttempt(chunks);
    assertThat(byAttempt).hasSize(2);
    List<ConsumerRecord<byte[], byte[]>> broken = byAttempt.values().iterator().next();
    assertThat(broken).isNotEmpty().noneMatch(chunk -> "true".equals(header(chunk, ProtocolHeaders.STREAM_LAST)));
    StreamPreview preview = new StreamPreview();
    List<StreamPreview.Step> steps = new ArrayList<>();
    chunks.forEach(chunk -> steps.add(preview.accept(chunk.value())));
    assertThat(steps).contains(StreamPreview.Step.RESTARTED);
    assertThat(preview.complete()).isTrue();
    assertThat(preview.text(0)).isEqualTo(json.readTree(reply.value()).at("/choices/0/message/content").asText());
  }

  /**
   * One attempt's chunks: indexes 0, 1, 2… with the last marker on the last only, written before
   * the final reply, joined per choice equal to the final reply's text.
   */
  private void assertStreamed(List<ConsumerRecord<byte[], byte[]>> chunks, ConsumerRecord<byte[], byte[]> reply,
      List<String> texts) throws Exception {
    assertThat(byAttempt(chunks)).hasSize(1);
    assertThat(chunks.size()).isGreaterThan(1);
    for (int i = 0; i < chunks.size(); i++) {
      ConsumerRecord<byte[], byte[]> chunk = chunks.get(i);
      assertThat(header(chunk, ProtocolHeaders.STREAM_INDEX)).isEqualTo(Integer.toString(i));
      assertThat(header(chunk, ProtocolHeaders.STREAM_LAST)).isEqualTo(Boolean.toString(i == chunks.size() - 1));
      assertThat(header(chunk, ProtocolHeaders.REQUEST_ID)).isEqualTo(key(reply));
      JsonNode value = json.readTree(chunk.value());
      assertThat(value.path("object").asText()).isEqualTo("relay.stream.chunk");
      assertThat(value.path("index").asInt()).isEqualTo(i);
    }
    // The first text was written while the answer was still being streamed, well before the reply.
    assertThat(chunks.get(0).timestamp()).isLessThan(reply.timestamp());
    StreamPreview preview = new StreamPreview();
    chunks.forEach(chunk -> preview.accept(chunk.value()));
    assertThat(preview.complete()).isTrue();
    for (int choice = 0; choice < texts.size(); choice++) {
      assertThat(texts.get(choice)).isNotEmpty();
      assertThat(preview.text(choice)).isEqualTo(texts.get(choice));
    }
  }

  private static Map<String, List<ConsumerRecord<byte[], byte[]>>> byAttempt(List<ConsumerRecord<byte[], byte[]>> chunks) {
    Map<String, List<ConsumerRecord<byte[], byte[]>>> byAttempt = new LinkedHashMap<>();
    chunks.forEach(chunk -> byAttempt.computeIfAbsent(header(chunk, ProtocolHeaders.STREAM_ATTEMPT),
        attempt -> new ArrayList<>()).add(chunk));
    return byAttempt;
  }

  private static Map<String, List<ConsumerRecord<byte[], byte[]>>> chunksByKey(TestWorkers workers) {
    Map<String, List<ConsumerRecord<byte[], byte[]>>> byKey = new HashMap<>();
    try (TopicReader reader = workers.chunks()) {
      reader.readToEnd(WAIT).forEach(chunk -> byKey.computeIfAbsent(key(chunk), id -> new ArrayList<>()).add(chunk));
    }
    return byKey;
  }

  private static Map<String, ConsumerRecord<byte[], byte[]>> byKey(TopicReader reader) {
    Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
    try (reader) {
      reader.readToEnd(WAIT).forEach(reply -> byKey.put(key(reply), reply));
    }
    return byKey;
  }

  private static ProducerRecord<byte[], byte[]> request(TestWorkers workers, String key, String body) {
    return new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8(key), TestWorkers.utf8(body));
  }
}
