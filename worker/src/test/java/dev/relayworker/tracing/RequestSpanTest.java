package dev.relayworker.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.cost.CallCost;
import dev.relayworker.relay.Completion;
import dev.relayworker.relay.FailureKind;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.relay.RelayError;
import dev.relayworker.relay.RelayException;
import dev.relayworker.relay.Usage;
import dev.relayworker.resilience.CallTrace;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A request's span tree and attributes, read back from an in-memory exporter. */
class RequestSpanTest {

  private static final String PARENT_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String PARENT_SPAN = "00f067aa0ba902b7";
  private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

  private final InMemorySpanExporter exported = InMemorySpanExporter.create();
  private final SdkTracerProvider provider = SdkTracerProvider.builder()
      .addSpanProcessor(SimpleSpanProcessor.create(exported)).build();
  private final Tracing tracing = Tracing.of(OpenTelemetrySdk.builder().setTracerProvider(provider)
      .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance())).build(), "workers",
      provider::close);

  @AfterEach
  void close() {
    tracing.close();
  }

  @Test
  void aRequestIsAProcessSpanUnderItsRecordsTraceWithAClientSpanPerAttemptAndASendSpan() {
    ConsumerRecord<byte[], byte[]> record = record(NOW.minusMillis(250).toEpochMilli(),
        "00-" + PARENT_TRACE + "-" + PARENT_SPAN + "-01");
    RequestSpan request = tracing.start(record, "r-1", NOW);
    CallTrace calls = request.calls(RelayApi.CHAT_COMPLETIONS, "gpt-4o-mini", false).onRoute("main", "default");
    calls.attempt(Duration.ZERO).failed(new RelayException(FailureKind.TRANSIENT, 503,
        new RelayError("upstream busy", "upstream_error", null, null), null, "503 from the relay"));
    Usage usage = new Usage(12, 5, 17, 4, 2);
    calls.attempt(Duration.ofMillis(40)).answered(new Completion(("{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\","
        + "\"choices\":[{\"index\":0,\"message\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"},"
        + "{\"index\":1,\"finish_reason\":\"length\"}],\"usage\":{}}").getBytes(StandardCharsets.UTF_8), usage,
        "gpt-4o-mini-2024-07-18", 200, "relay-1"), new CallCost("gpt-4o-mini", "default", usage, 1_234,
        new BigDecimal("0.002468")));
    request.answered("ok", null, "main", "default");
    RecordHeaders reply = new RecordHeaders();
    reply.add("traceparent", "00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-01".getBytes(StandardCharsets.UTF_8));
    request.publishing("completions.replies", List.of(reply));
    assertThat(exported.getFinishedSpanItems()).extracting(SpanData::getName)
        .doesNotContain("process completions.requests");
    request.done();

    List<SpanData> spans = exported.getFinishedSpanItems();
    SpanData process = only(spans, "process completions.requests");
    assertThat(process.getKind()).isEqualTo(SpanKind.CONSUMER);
    assertThat(process.getTraceId()).isEqualTo(PARENT_TRACE);
    assertThat(process.getParentSpanId()).isEqualTo(PARENT_SPAN);
    assertThat(process.getAttributes().asMap()).containsEntry(TraceKeys.MESSAGING_SYSTEM, "kafka")
        .containsEntry(TraceKeys.MESSAGING_OPERATION_TYPE, "process")
        .containsEntry(TraceKeys.MESSAGING_DESTINATION, "completions.requests")
        .containsEntry(TraceKeys.MESSAGING_PARTITION, "3")
        .containsEntry(TraceKeys.MESSAGING_OFFSET, 42L)
        .containsEntry(TraceKeys.MESSAGING_GROUP, "workers")
        .containsEntry(TraceKeys.REQUEST_ID, "r-1")
        .containsEntry(TraceKeys.REQUEST_AGE_MS, 250L)
        .containsEntry(TraceKeys.OUTCOME, "ok")
        .containsEntry(TraceKeys.ROUTE, "main");

    List<SpanData> attempts = spans.stream().filter(span -> span.getName().equals("chat gpt-4o-mini")).toList();
    assertThat(attempts).hasSize(2).allSatisfy(span -> {
      assertThat(span.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(span.getParentSpanId()).isEqualTo(process.getSpanId());
      assertThat(span.getAttributes().asMap()).containsEntry(TraceKeys.GEN_AI_OPERATION, "chat")
          .containsEntry(TraceKeys.GEN_AI_PROVIDER, "openai")
          .containsEntry(TraceKeys.GEN_AI_REQUEST_MODEL, "gpt-4o-mini")
          .containsEntry(TraceKeys.ROUTE, "main").containsEntry(TraceKeys.GROUP, "default");
    });
    SpanData failed = attempts.get(0);
    assertThat(failed.getAttributes().get(TraceKeys.ATTEMPT)).isEqualTo(1L);
    assertThat(failed.getAttributes().get(TraceKeys.HTTP_STATUS)).isEqualTo(503L);
    assertThat(failed.getAttributes().get(TraceKeys.ERROR_TYPE)).isEqualTo("upstream_error");
    assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    SpanData answered = attempts.get(1);
    assertThat(answered.getAttributes().asMap()).containsEntry(TraceKeys.ATTEMPT, 2L)
        .containsEntry(TraceKeys.HTTP_STATUS, 200L)
        .containsEntry(TraceKeys.GEN_AI_RESPONSE_MODEL, "gpt-4o-mini-2024-07-18")
        .containsEntry(TraceKeys.GEN_AI_RESPONSE_ID, "chatcmpl-9")
        .containsEntry(TraceKeys.GEN_AI_FINISH_REASONS, List.of("stop", "length"))
        .containsEntry(TraceKeys.GEN_AI_INPUT_TOKENS, 12L)
        .containsEntry(TraceKeys.GEN_AI_OUTPUT_TOKENS, 5L)
        .containsEntry(TraceKeys.GEN_AI_CACHE_READ_TOKENS, 4L)
        .containsEntry(TraceKeys.GEN_AI_REASONING_TOKENS, 2L)
        .containsEntry(TraceKeys.COST_QUOTA, 1_234L)
        .containsEntry(TraceKeys.COST_USD, 0.002468)
        .containsEntry(TraceKeys.WAITED_MS, 40L);
    SpanData wait = only(spans, "relay.wait");
    assertThat(wait.getParentSpanId()).isEqualTo(process.getSpanId());
    assertThat(wait.getEndEpochNanos() - wait.getStartEpochNanos()).isEqualTo(Duration.ofMillis(40).toNanos());

    SpanData send = only(spans, "send completions.replies");
    assertThat(send.getKind()).isEqualTo(SpanKind.PRODUCER);
    assertThat(send.getParentSpanId()).isEqualTo(process.getSpanId());
    // The reply carries the send span's context, its own header replaced, so the requester's trace goes on.
    assertThat(reply.headers("traceparent")).hasSize(1);
    assertThat(new String(reply.lastHeader("traceparent").value(), StandardCharsets.UTF_8))
        .isEqualTo("00-" + PARENT_TRACE + "-" + send.getSpanId() + "-01");
  }

  @Test
  void anErrorReplyMarksTheProcessSpanAnErrorOfItsType() {
    RequestSpan request = tracing.start(record(NOW.toEpochMilli(), null), "r-2", NOW);
    request.event("parked", "circuit_open");
    request.answered("error", "deadline_exceeded", null, null);
    request.done();

    SpanData process = only(exported.getFinishedSpanItems(), "process completions.requests");
    assertThat(process.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    assertThat(process.getAttributes().get(TraceKeys.ERROR_TYPE)).isEqualTo("deadline_exceeded");
    assertThat(process.getEvents()).singleElement().satisfies(event -> {
      assertThat(event.getName()).isEqualTo("parked");
      assertThat(event.getAttributes().get(TraceKeys.REASON)).isEqualTo("circuit_open");
    });
  }

  @Test
  void aRecordWithoutAUsableTraceparentStartsATraceOfItsOwn() {
    String huge = "00-" + PARENT_TRACE + "-" + PARENT_SPAN + "-01" + "-" + "a".repeat(2_000);
    for (String traceparent : new String[] {null, "garbage", "00-" + "0".repeat(32) + "-" + PARENT_SPAN + "-01", huge}) {
      exported.reset();
      RequestSpan request = tracing.start(record(NOW.toEpochMilli(), traceparent), "r", NOW);
      request.done();
      SpanData process = only(exported.getFinishedSpanItems(), "process completions.requests");
      assertThat(process.getTraceId()).as("traceparent %s", traceparent).isNotEqualTo(PARENT_TRACE);
      assertThat(process.getParentSpanContext().isValid()).isFalse();
    }
  }

  @Test
  void aTimestampAbsentOrAheadOfTheClockIsAnAgeOfZero() {
    assertThat(Tracing.ageMillis(-1, NOW)).isZero();
    assertThat(Tracing.ageMillis(0, NOW)).isZero();
    assertThat(Tracing.ageMillis(NOW.plusSeconds(3_600).toEpochMilli(), NOW)).isZero();
    assertThat(Tracing.ageMillis(Long.MAX_VALUE, NOW)).isZero();
    assertThat(Tracing.ageMillis(NOW.minusSeconds(2).toEpochMilli(), NOW)).isEqualTo(2_000);
  }

  @Test
  void offRecordsNothingAndGivesTheRelayNoTrace() {
    RequestSpan request = Tracing.off().start(record(NOW.toEpochMilli(), null), "r", NOW);
    assertThat(request).isSameAs(RequestSpan.NONE);
    assertThat(request.on()).isFalse();
    assertThat(request.calls(RelayApi.COMPLETIONS, "m", false)).isNull();
    RecordHeaders reply = new RecordHeaders();
    request.publishing("t", List.of(reply));
    request.done();
    assertThat(reply.toArray()).isEmpty();
    assertThat(exported.getFinishedSpanItems()).isEmpty();
  }

  @Test
  void messagesAttemptsAreAnthropicChatWithTheirStopReason() {
    RequestSpan request = tracing.start(record(NOW.toEpochMilli(), null), "r", NOW);
    request.calls(RelayApi.MESSAGES, "claude-sonnet", true).attempt(Duration.ZERO).answered(new Completion(
        "{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[],\"stop_reason\":\"end_turn\"}"
            .getBytes(StandardCharsets.UTF_8), null, "claude-sonnet", 200, null), null);
    request.done();
    SpanData attempt = only(exported.getFinishedSpanItems(), "chat claude-sonnet");
    assertThat(attempt.getAttributes().asMap()).containsEntry(TraceKeys.GEN_AI_PROVIDER, "anthropic")
        .containsEntry(TraceKeys.GEN_AI_FINISH_REASONS, List.of("end_turn"))
        .containsEntry(TraceKeys.STREAMED, true)
        .doesNotContainKey(TraceKeys.GEN_AI_INPUT_TOKENS)
        .doesNotContainKey(TraceKeys.COST_USD);
  }

  @Test
  void headersLongerThanAnyTraceHeaderAreNotRead() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("tracestate", "a=b,".repeat(300).getBytes(StandardCharsets.UTF_8));
    headers.add("baggage", "k=v".getBytes(StandardCharsets.UTF_8));
    headers.add("baggage", "k=w".getBytes(StandardCharsets.UTF_8));
    assertThat(dev.relayworker.tracing.RecordHeaders.INSTANCE.get(headers, "tracestate")).isNull();
    assertThat(dev.relayworker.tracing.RecordHeaders.INSTANCE.get(headers, "baggage")).isEqualTo("k=w");
    assertThat(dev.relayworker.tracing.RecordHeaders.INSTANCE.get(headers, "absent")).isNull();
  }

  private static SpanData only(List<SpanData> spans, String name) {
    List<SpanData> named = spans.stream().filter(span -> span.getName().equals(name)).toList();
    assertThat(named).as("spans named %s among %s", name, spans).hasSize(1);
    return named.get(0);
  }

  private static ConsumerRecord<byte[], byte[]> record(long timestamp, String traceparent) {
    RecordHeaders headers = new RecordHeaders();
    if (traceparent != null) {
      headers.add("traceparent", traceparent.getBytes(StandardCharsets.UTF_8));
    }
    return new ConsumerRecord<>("completions.requests", 3, 42, timestamp, TimestampType.CREATE_TIME, 0, 0,
        "k".getBytes(StandardCharsets.UTF_8), "{}".getBytes(StandardCharsets.UTF_8), headers, Optional.empty());
  }
}
