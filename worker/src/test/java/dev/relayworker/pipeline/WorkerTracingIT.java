package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import dev.relayworker.tracing.Tracing;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What an operator sees from outside: a request's trace, from the requester's span through the
 * worker's process span and relay call to the reply, which carries the trace on; and a
 * transactional input read to its end showing no lag, so an autoscaler can scale to zero.
 */
@ExtendWith(KafkaBroker.class)
class WorkerTracingIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String REQUESTER_TRACE = "0af7651916cd43dd8448eb211c80319c";
  private static final String REQUESTER_SPAN = "b7ad6b7169203331";
  private static final String INVALID_SPAN = "c8be7c827a314442";
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @Test
  void aRequestsTraceGoesFromItsRecordThroughTheRelayCallToItsReply(KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "traced").createRequestTopic(1);
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build();
    Tracing tracing = Tracing.of(OpenTelemetrySdk.builder().setTracerProvider(provider)
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build(),
        // The in-memory exporter forgets its spans when shut down: the worker's stop only flushes here.
        workers.groupId, provider::forceFlush);

    ConsumerRecord<byte[], byte[]> reply;
    ConsumerRecord<byte[], byte[]> errorReply;
    ConsumerRecord<byte[], byte[]> deadLetter;
    try (Worker worker = Worker.start(workers.config(), tracing); KafkaProducer<byte[], byte[]> producer =
        workers.producer(); TopicReader replies = workers.replies()) {
      ProducerRecord<byte[], byte[]> request = new ProducerRecord<>(workers.requestTopic, utf8("traced-1"),
          utf8("{\"model\":\"gpt-3.5-turbo-instruct\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":5}"));
      request.headers().add("traceparent", utf8("00-" + REQUESTER_TRACE + "-" + REQUESTER_SPAN + "-01"));
      producer.send(request).get();
      ProducerRecord<byte[], byte[]> invalid = new ProducerRecord<>(workers.requestTopic, utf8("invalid-1"),
          utf8("not json"));
      invalid.headers().add("traceparent", utf8("00-" + REQUESTER_TRACE + "-" + INVALID_SPAN + "-01"));
      producer.send(invalid).get();
      List<ConsumerRecord<byte[], byte[]>> answered = replies.awaitDistinctKeys(2, WAIT);
      reply = answered.stream().filter(record -> new String(record.key(), StandardCharsets.UTF_8).equals("traced-1"))
          .findFirst().orElseThrow();
      errorReply = answered.stream().filter(record -> new String(record.key(), StandardCharsets.UTF_8)
          .equals("invalid-1")).findFirst().orElseThrow();
      try (TopicReader deadLetters = workers.deadLetters()) {
        deadLetter = deadLetters.awaitDistinctKeys(1, WAIT).get(0);
      }
      Await.until("the requests' process spans to end", WAIT, () -> spans.getFinishedSpanItems().stream()
          .filter(span -> span.getKind() == SpanKind.CONSUMER).count() == 2);
    }

    Map<SpanKind, List<SpanData>> byKind = spans.getFinishedSpanItems().stream()
        .filter(span -> span.getTraceId().equals(REQUESTER_TRACE) && !span.getParentSpanId().equals(INVALID_SPAN)
            && !descendsFrom(span, INVALID_SPAN, spans.getFinishedSpanItems()))
        .collect(Collectors.groupingBy(SpanData::getKind));
    assertThat(byKind).as("spans of the requester's trace among %s", spans.getFinishedSpanItems())
        .containsKeys(SpanKind.CONSUMER, SpanKind.CLIENT, SpanKind.PRODUCER);
    SpanData process = byKind.get(SpanKind.CONSUMER).get(0);
    assertThat(process.getName()).isEqualTo("process " + workers.requestTopic);
    assertThat(process.getParentSpanId()).isEqualTo(REQUESTER_SPAN);
    assertThat(process.getAttributes().get(AttributeKey.stringKey("messaging.consumer.group.name")))
        .isEqualTo(workers.groupId);
    assertThat(process.getAttributes().get(AttributeKey.stringKey("relay.request.id"))).isEqualTo("traced-1");
    SpanData call = byKind.get(SpanKind.CLIENT).get(0);
    assertThat(call.getName()).isEqualTo("chat gpt-3.5-turbo-instruct");
    assertThat(call.getParentSpanId()).isEqualTo(process.getSpanId());
    // The span's usage is the reply's: one account of what the call used.
    assertThat(call.getAttributes().get(AttributeKey.longKey("gen_ai.usage.input_tokens")))
        .isEqualTo(Long.parseLong(header(reply, ProtocolHeaders.USAGE_PROMPT_TOKENS)));
    assertThat(call.getAttributes().get(AttributeKey.longKey("gen_ai.usage.output_tokens")))
        .isEqualTo(Long.parseLong(header(reply, ProtocolHeaders.USAGE_COMPLETION_TOKENS)));
    assertThat(call.getAttributes().get(AttributeKey.longKey("relay.cost.quota")))
        .isEqualTo(Long.parseLong(header(reply, ProtocolHeaders.COST_QUOTA)));
    assertThat(call.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
    assertThat(call.getAttributes().get(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"))).isNotEmpty();
    SpanData send = byKind.get(SpanKind.PRODUCER).get(0);
    assertThat(send.getParentSpanId()).isEqualTo(process.getSpanId());
    assertThat(header(reply, "traceparent")).isEqualTo("00-" + REQUESTER_TRACE + "-" + send.getSpanId() + "-01");
    // The refused request's error reply continues its trace; its dead-letter copy keeps the request's own header.
    SpanData refused = spans.getFinishedSpanItems().stream().filter(span -> span.getKind() == SpanKind.CONSUMER
        && span.getParentSpanId().equals(INVALID_SPAN)).findFirst().orElseThrow();
    assertThat(refused.getAttributes().get(AttributeKey.stringKey("error.type"))).isEqualTo("invalid_request_error");
    assertThat(header(errorReply, "traceparent")).startsWith("00-" + REQUESTER_TRACE + "-")
        .doesNotContain(INVALID_SPAN);
    assertThat(header(deadLetter, "traceparent")).isEqualTo("00-" + REQUESTER_TRACE + "-" + INVALID_SPAN + "-01");
    // The send span ends when the reply is safe: after the call, within the process span.
    assertThat(send.getEndEpochNanos()).isGreaterThanOrEqualTo(call.getEndEpochNanos())
        .isLessThanOrEqualTo(process.getEndEpochNanos());
  }

  @ParameterizedTest
  @ValueSource(strings = {WorkerConfig.AT_LEAST_ONCE, WorkerConfig.EXACTLY_ONCE})
  void aTransactionalInputReadToItsEndLeavesNoLag(String guarantee, KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "txn-input").createRequestTopic(2)
        .with(WorkerConfig.DELIVERY_GUARANTEE, guarantee);
    Properties transactional = new Properties();
    transactional.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, workers.bootstrapServers);
    transactional.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "requester-" + workers.groupId);
    try (Worker worker = Worker.start(workers.config()); TopicReader replies = workers.replies();
        KafkaProducer<byte[], byte[]> requester = new KafkaProducer<>(transactional, new ByteArraySerializer(),
            new ByteArraySerializer())) {
      requester.initTransactions();
      for (int batch = 0; batch < 3; batch++) {
        requester.beginTransaction();
        for (int i = 0; i < 4; i++) {
          requester.send(workers.request("t" + batch + "-" + i, "in a transaction"));
        }
        requester.commitTransaction();
      }
      replies.awaitDistinctKeys(12, WAIT);

      // Each partition ends with a commit marker: the group's committed offset must reach past it.
      List<TopicPartition> partitions = List.of(new TopicPartition(workers.requestTopic, 0),
          new TopicPartition(workers.requestTopic, 1));
      try (Admin admin = workers.admin()) {
        Map<TopicPartition, Long> ends = admin.listOffsets(partitions.stream()
            .collect(Collectors.toMap(partition -> partition, partition -> OffsetSpec.latest()))).all().get()
            .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey,
                entry -> ((ListOffsetsResult.ListOffsetsResultInfo) entry.getValue()).offset()));
        Await.until("the group's commits to reach each partition's end " + ends, WAIT, () -> {
          Map<TopicPartition, OffsetAndMetadata> committed = committed(admin, workers.groupId);
          return partitions.stream().allMatch(partition -> committed.get(partition) != null
              && committed.get(partition).offset() == ends.get(partition));
        });
      }
    }
  }

  /** Whether {@code span} lies under the span {@code ancestor} among {@code all}. */
  private static boolean descendsFrom(SpanData span, String ancestor, List<SpanData> all) {
    for (SpanData at = span; at != null; ) {
      if (at.getParentSpanId().equals(ancestor)) {
        return true;
      }
      String parent = at.getParentSpanId();
      at = all.stream().filter(candidate -> candidate.getSpanId().equals(parent)).findFirst().orElse(null);
    }
    return false;
  }

  private static Map<TopicPartition, OffsetAndMetadata> committed(Admin admin, String group) {
    try {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
