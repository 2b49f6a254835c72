package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Embeddings requests on a real broker and real HTTP: records of several partitions share relay
 * calls, each is answered with exactly its own vectors and its share of the usage and cost; a bad
 * input is found by halving and alone refused; a deadline shorter than the linger is met.
 */
@ExtendWith(KafkaBroker.class)
class WorkerEmbeddingsIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String MODEL = "text-embedding-3-small";
  private static final long QUOTA = 10_000_000;
  private final ObjectMapper json = new ObjectMapper();
  private final Encoding cl100k = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @Test
  void recordsOfSeveralPartitionsShareCallsAndEachGetsItsOwnVectorsAndShare(KafkaBroker.Running broker)
      throws Exception {
    // Priced as the default table prices text-embedding-3-small: ratio 0.01.
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withPrices(0.01, 1, 1).withQuota(QUOTA)
        .withLatency(Duration.ofMillis(20), Duration.ZERO), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "embeddings").createRequestTopic(3)
        .with(WorkerConfig.EMBEDDINGS_BATCH_LINGER_MS, 300);
    Map<String, List<String>> inputsByKey = new HashMap<>();
    Map<String, Integer> partitionOfInput = new HashMap<>();

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      for (int i = 0; i < 60; i++) {
        List<String> inputs = i % 3 == 0 ? List.of("record " + i + " first part", "record " + i + " second")
            : List.of("record number " + i);
        String key = "e-" + i;
        inputsByKey.put(key, inputs);
        String input = inputs.size() == 1 ? json.writeValueAsString(inputs.get(0)) : json.writeValueAsString(inputs);
        int partition = producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8(key), TestWorkers.utf8(
            "{\"model\":\"" + MODEL + "\",\"dimensions\":8,\"input\":" + input + "}"))).get().partition();
        inputs.forEach(text -> partitionOfInput.put(text, partition));
      }
      replies.awaitDistinctKeys(60, WAIT);
    }

    List<ConsumerRecord<byte[], byte[]>> all;
    try (TopicReader reader = workers.replies()) {
      all = reader.readToEnd(WAIT);
    }
    assertThat(all).hasSize(60);
    long promptTokens = 0;
    long quota = 0;
    for (ConsumerRecord<byte[], byte[]> reply : all) {
      List<String> inputs = inputsByKey.get(TopicReader.key(reply));
      JsonNode body = json.readTree(reply.value());
      assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok");
      assertThat(body.path("object").asText()).isEqualTo("list");
      assertThat(body.path("model").asText()).isEqualTo(MODEL);
      assertThat(body.path("data")).hasSize(inputs.size());
      long ownTokens = 0;
      for (int i = 0; i < inputs.size(); i++) {
        JsonNode item = body.path("data").get(i);
        assertThat(item.path("index").asInt()).isEqualTo(i);
        assertThat(item.path("object").asText()).isEqualTo("embedding");
        float[] expected = RelaySimulator.embeddingOf(inputs.get(i), 8);
        for (int d = 0; d < 8; d++) {
          assertThat(item.path("embedding").get(d).floatValue()).isEqualTo(expected[d]);
        }
        ownTokens += cl100k.countTokensOrdinary(inputs.get(i));
      }
      // The relay counts as the worker does here, so each share is the record's exact count.
      assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(ownTokens);
      assertThat(body.at("/usage/total_tokens").asLong()).isEqualTo(ownTokens);
      assertThat(header(reply, ProtocolHeaders.USAGE_PROMPT_TOKENS)).isEqualTo(Long.toString(ownTokens));
      promptTokens += ownTokens;
      quota += Long.parseLong(header(reply, ProtocolHeaders.COST_QUOTA));
    }
    List<List<String>> calls = simulator.stats().embeddedCalls();
    assertThat(calls.stream().mapToInt(List::size).sum()).isEqualTo(80); // every input embedded once
    assertThat(calls.size()).isLessThan(60);
    // Some call carried records of more than one partition.
    assertThat(calls).anySatisfy(call -> assertThat(call.stream().map(partitionOfInput::get).distinct().count())
        .isGreaterThan(1));
    long relayTokens = 0;
    for (List<String> call : calls) {
      relayTokens += call.stream().mapToLong(cl100k::countTokensOrdinary).sum();
    }
    assertThat(promptTokens).isEqualTo(relayTokens);
    // The replies' costs sum to what the relay charged the key, call by call.
    assertThat(quota).isEqualTo(QUOTA - simulator.quota().remaining());
  }

  @Test
  void aBadInputIsFoundByHalvingAndAloneRefusedTheRestAnsweredOnce(KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withEmbeddingContext(20), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "embeddings-bad").createRequestTopic(2)
        .with(WorkerConfig.EMBEDDINGS_BATCH_LINGER_MS, 500);
    String tooLong = "word ".repeat(60).trim();

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      for (int i = 0; i < 12; i++) {
        String input = i == 7 ? tooLong : "fine input " + i;
        producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("b-" + i),
            TestWorkers.utf8("{\"model\":\"" + MODEL + "\",\"dimensions\":4,\"input\":\"" + input + "\"}")));
      }
      producer.flush();
      replies.awaitDistinctKeys(12, WAIT);
    }

    Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
    try (TopicReader reader = workers.replies()) {
      reader.readToEnd(WAIT).forEach(reply -> byKey.put(TopicReader.key(reply), reply));
    }
    ConsumerRecord<byte[], byte[]> refused = byKey.get("b-7");
    assertThat(header(refused, ProtocolHeaders.STATUS)).isEqualTo("error");
    assertThat(header(refused, ProtocolHeaders.ERROR_TYPE)).isEqualTo("invalid_request_error");
    assertThat(json.readTree(refused.value()).at("/error/message").asText()).contains("maximum context length is 20");
    for (int i = 0; i < 12; i++) {
      if (i != 7) {
        ConsumerRecord<byte[], byte[]> reply = byKey.get("b-" + i);
        assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok");
        // The refused calls it rode in are not its attempts.
        assertThat(header(reply, ProtocolHeaders.ATTEMPTS)).isEqualTo("1");
        assertThat(simulator.stats().embeddingsOf("fine input " + i)).isEqualTo(1);
      }
    }
    assertThat(simulator.stats().outcome("400")).isPositive();
  }

  @Test
  void aDeadlineShorterThanTheLingerIsMetAndBase64PassesThrough(KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "embeddings-deadline").createRequestTopic(1)
        .with(WorkerConfig.EMBEDDINGS_BATCH_LINGER_MS, 60_000);

    ConsumerRecord<byte[], byte[]> reply;
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
        TopicReader replies = workers.replies()) {
      ProducerRecord<byte[], byte[]> request = new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("soon"),
          TestWorkers.utf8("{\"model\":\"" + MODEL + "\",\"dimensions\":6,\"encoding_format\":\"base64\","
              + "\"input\":[\"due soon\"]}"));
      request.headers().add(ProtocolHeaders.DEADLINE_MS,
          TestWorkers.utf8(Long.toString(System.currentTimeMillis() + 10_000)));
      producer.send(request);
      producer.flush();
      reply = replies.awaitDistinctKeys(1, WAIT).get(0);
    }

    // A lingering batch would have waited 60 s, past the deadline: it went within half of it.
    assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok");
    String packed = json.readTree(reply.value()).at("/data/0/embedding").asText();
    FloatBuffer floats = ByteBuffer.wrap(Base64.getDecoder().decode(packed)).order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer();
    float[] expected = RelaySimulator.embeddingOf("due soon", 6);
    assertThat(floats.remaining()).isEqualTo(6);
    for (int d = 0; d < 6; d++) {
      assertThat(floats.get(d)).isEqualTo(expected[d]);
    }
  }
}
