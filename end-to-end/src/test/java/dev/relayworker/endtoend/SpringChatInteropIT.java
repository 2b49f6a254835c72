package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.ObjectMappers;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.completions.Completion;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.Embedding;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.requester.StreamPreview;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.listener.ContainerProperties;
import org.springframework.kafka.listener.KafkaMessageListenerContainer;
import org.springframework.kafka.requestreply.ReplyingKafkaTemplate;
import org.springframework.kafka.requestreply.RequestReplyFuture;

/**
 * A Spring Kafka service asks the launched worker for chat and text completions and embeddings
 * with {@code ReplyingKafkaTemplate}, as its users do, and reads the replies with the official
 * OpenAI Java SDK's models: each reply is matched to its request by Spring's correlation ID and
 * parses and validates as the SDK's {@code ChatCompletion}, {@code Completion} or
 * {@code CreateEmbeddingResponse}.
 */
@ExtendWith(KafkaBroker.class)
class SpringChatInteropIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void springRequestReplyGetsRepliesTheOpenAiSdkParses(KafkaBroker.Running broker) throws Exception {
    try (RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0)) {
      TestWorkers workers = new TestWorkers(broker, simulator, "spring-chat").createRequestTopic(2);
      workers.createTopic(workers.replyTopic, 1, Map.of());
      Path config = dir.resolve("worker.properties");
      Files.writeString(config, String.join("\n",
          "kafka.bootstrap.servers=" + workers.bootstrapServers,
          "relay.base.url=" + simulator.baseUri(),
          "relay.api.key=" + SimulatorSettings.DEFAULT_KEY,
          "request.topic=" + workers.requestTopic, "reply.topic=" + workers.replyTopic,
          "dlq.topic=" + workers.dlqTopic, "group.id=" + workers.groupId, "admin.port=0", ""));
      Process worker = Launcher.start(dir.resolve("worker.log"), Map.of("JAVA_OPTS", "-Xmx256m"), "run", "--config",
          config.toString());
      ReplyingKafkaTemplate<String, byte[], byte[]> template = template(workers);
      try {
        template.start();
        assertThat(template.waitForAssignment(WAIT)).isTrue();

        ConsumerRecord<String, byte[]> chat = ask(template, workers, "spring-chat-1",
            "{\"model\":\"gpt-3.5-turbo-instruct\",\"n\":2,\"max_tokens\":12,\"messages\":["
                + "{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"Say hi\"}]}");
        ConsumerRecord<String, byte[]> tool = ask(template, workers, "spring-chat-2",
            "{\"model\":\"davinci-002\",\"messages\":[{\"role\":\"user\",\"content\":\"weather in Paris?\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{}}}]}");
        ConsumerRecord<String, byte[]> legacy = ask(template, workers, "spring-text-1",
            "{\"model\":\"davinci-002\",\"prompt\":\"Say hi\",\"max_tokens\":6}");

        ChatCompletion completion = ObjectMappers.jsonMapper().readValue(chat.value(), ChatCompletion.class)
            .validate();
        assertThat(completion.choices()).hasSize(2);
        assertThat(completion.choices().get(0).message().content()).isPresent();
        assertThat(completion.usage()).hasValueSatisfying(usage ->
            assertThat(Long.toString(usage.promptTokens()))
                .isEqualTo(ProtocolHeaders.text(chat.headers(), ProtocolHeaders.USAGE_PROMPT_TOKENS)));
        assertThat(ProtocolHeaders.text(chat.headers(), ProtocolHeaders.COST_USD)).isNotNull();
        ChatCompletion toolCall = ObjectMappers.jsonMapper().readValue(tool.value(), ChatCompletion.class).validate();
        assertThat(toolCall.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(toolCall.choices().get(0).message().toolCalls()).hasValueSatisfying(calls ->
            assertThat(calls.get(0).asFunction().function().name()).isEqualTo("get_weather"));
        Completion text = ObjectMappers.jsonMapper().readValue(legacy.value(), Completion.class).validate();
        assertThat(text.choices().get(0).text()).isNotBlank();

        // A streamed chat request: Spring waits for the final reply as for any other, and the SDK
        // parses the answer assembled from the stream, a tool call's arguments joined, usage included.
        ConsumerRecord<String, byte[]> streamed = ask(template, workers, "spring-stream-1",
            "{\"model\":\"gpt-3.5-turbo-instruct\",\"stream\":true,\"max_tokens\":20,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"weather in Oslo?\"}],\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"parameters\":{}}}]}");
        ChatCompletion assembled = ObjectMappers.jsonMapper().readValue(streamed.value(), ChatCompletion.class)
            .validate();
        assertThat(assembled.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(assembled.choices().get(0).message().toolCalls()).hasValueSatisfying(calls ->
            assertThat(calls.get(0).asFunction().function().name()).isEqualTo("get_weather"));
        assertThat(assembled.usage()).hasValueSatisfying(usage -> assertThat(Long.toString(usage.completionTokens()))
            .isEqualTo(ProtocolHeaders.text(streamed.headers(), ProtocolHeaders.USAGE_COMPLETION_TOKENS)));
        ConsumerRecord<String, byte[]> plainStream = ask(template, workers, "spring-stream-2",
            "{\"model\":\"gpt-3.5-turbo-instruct\",\"stream\":true,\"max_tokens\":20,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"a haiku\"}]}");
        String content = ObjectMappers.jsonMapper().readValue(plainStream.value(), ChatCompletion.class).validate()
            .choices().get(0).message().content().orElseThrow();
        // A Spring reader of the stream topic finds the request's chunks by the correlation ID it sent.
        byte[] correlation = plainStream.headers().lastHeader(ProtocolHeaders.SPRING_CORRELATION_ID).value();
        AtomicReference<StreamPreview> preview = new AtomicReference<>();
        try (TopicReader chunks = workers.chunks()) {
          Await.until("the stream's last chunk", WAIT, () -> {
            StreamPreview read = new StreamPreview();
            chunks.readToEnd(Duration.ofSeconds(5)).stream()
                .filter(chunk -> Arrays.equals(correlation,
                    chunk.headers().lastHeader(ProtocolHeaders.SPRING_CORRELATION_ID).value()))
                .forEach(chunk -> read.accept(chunk.value()));
            preview.set(read);
            return read.complete();
          });
        }
        assertThat(preview.get().text(0)).isEqualTo(content);

        // Two embeddings requests in flight at once: they may share a relay call, each gets its own list.
        RequestReplyFuture<String, byte[], byte[]> first = template.sendAndReceive(new ProducerRecord<>(
            workers.requestTopic, "spring-embed-1",
            "{\"model\":\"text-embedding-3-small\",\"input\":[\"one\",\"two\"]}".getBytes(StandardCharsets.UTF_8)), WAIT);
        RequestReplyFuture<String, byte[], byte[]> second = template.sendAndReceive(new ProducerRecord<>(
            workers.requestTopic, "spring-embed-2",
            "{\"model\":\"text-embedding-3-small\",\"input\":\"three\"}".getBytes(StandardCharsets.UTF_8)), WAIT);
        CreateEmbeddingResponse two = ObjectMappers.jsonMapper().readValue(
            replied(first.get(WAIT.toSeconds(), TimeUnit.SECONDS), "spring-embed-1").value(),
            CreateEmbeddingResponse.class).validate();
        CreateEmbeddingResponse one = ObjectMappers.jsonMapper().readValue(
            replied(second.get(WAIT.toSeconds(), TimeUnit.SECONDS), "spring-embed-2").value(),
            CreateEmbeddingResponse.class).validate();
        assertThat(two.data()).extracting(Embedding::index).containsExactly(0L, 1L);
        assertThat(two.data().get(1).embedding()).hasSize(1_536);
        assertThat(two.data().get(1).embedding().get(0)).isEqualTo(RelaySimulator.embeddingOf("two", 1_536)[0]);
        assertThat(one.data()).hasSize(1);
        assertThat(one.data().get(0).embedding().get(5)).isEqualTo(RelaySimulator.embeddingOf("three", 1_536)[5]);
        assertThat(two.usage().promptTokens()).isEqualTo(2);
        assertThat(one.usage().totalTokens()).isEqualTo(1);
      } finally {
        template.stop();
        worker.destroy();
        worker.waitFor(60, TimeUnit.SECONDS);
      }
    }
  }

  /** Sends one request through Spring's template and waits for the reply it correlates to it. */
  private static ConsumerRecord<String, byte[]> ask(ReplyingKafkaTemplate<String, byte[], byte[]> template,
      TestWorkers workers, String key, String body) throws Exception {
    return replied(template.sendAndReceive(
            new ProducerRecord<>(workers.requestTopic, key, body.getBytes(StandardCharsets.UTF_8)), WAIT)
        .get(WAIT.toSeconds(), TimeUnit.SECONDS), key);
  }

  /** A reply to the request keyed {@code key}, answered ok. */
  private static ConsumerRecord<String, byte[]> replied(ConsumerRecord<String, byte[]> reply, String key) {
    assertThat(reply.key()).isEqualTo(key);
    assertThat(ProtocolHeaders.text(reply.headers(), ProtocolHeaders.STATUS))
        .as(new String(reply.value(), StandardCharsets.UTF_8)).isEqualTo(ProtocolHeaders.STATUS_OK);
    return reply;
  }

  private static ReplyingKafkaTemplate<String, byte[], byte[]> template(TestWorkers workers) {
    DefaultKafkaProducerFactory<String, byte[]> producers = new DefaultKafkaProducerFactory<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, workers.bootstrapServers,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    DefaultKafkaConsumerFactory<String, byte[]> consumers = new DefaultKafkaConsumerFactory<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, workers.bootstrapServers,
        ConsumerConfig.GROUP_ID_CONFIG, workers.groupId + "-spring-replies",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
    KafkaMessageListenerContainer<String, byte[]> replies =
        new KafkaMessageListenerContainer<>(consumers, new ContainerProperties(workers.replyTopic));
    ReplyingKafkaTemplate<String, byte[], byte[]> template = new ReplyingKafkaTemplate<>(producers, replies);
    template.setDefaultReplyTimeout(WAIT);
    return template;
  }
}
