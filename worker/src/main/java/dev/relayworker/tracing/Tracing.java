package dev.relayworker.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Where request spans begin: {@link #start} opens a record's {@code process} span, parented by the
 * trace context its headers carry. {@link #off()} makes {@link RequestSpan#NONE} for every record,
 * which does nothing and allocates nothing: tracing costs nothing unless it is configured.
 *
 * <p>Threads: any. Spans are ended by the pipeline; {@link #close} flushes what is queued for the
 * exporter, waiting at most the time given, and never blocks the worker's stop for longer.
 */
public final class Tracing implements AutoCloseable {

  static final String INSTRUMENTATION_NAME = "dev.relayworker";
  /** How long {@link #close} waits for queued spans to be exported. */
  static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private static final Tracing OFF = new Tracing(null, null, null, () -> {});

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final String group;
  private final Runnable shutdown;

  private Tracing(Tracer tracer, TextMapPropagator propagator, String group, Runnable shutdown) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.group = group;
    this.shutdown = shutdown;
  }

  /** Tracing that records nothing. */
  public static Tracing off() {
    return OFF;
  }

  /**
   * Tracing through {@code openTelemetry}'s tracer and propagators.
   *
   * @param group the consumer or share group whose records are traced
   * @param shutdown flushes and stops the exporter, bounded in time; run by {@link #close}
   */
  public static Tracing of(OpenTelemetry openTelemetry, String group, Runnable shutdown) {
    return new Tracing(openTelemetry.getTracer(INSTRUMENTATION_NAME), openTelemetry.getPropagators()
        .getTextMapPropagator(), group, shutdown);
  }

  public boolean on() {
    return tracer != null;
  }

  /**
   * Opens the {@code process} span of a record just taken. Its parent is the context the record's
   * headers carry ({@code traceparent}); a record without one, or with one malformed, starts a trace
   * of its own.
   *
   * @param requestId the request ID it is answered under
   * @param now the wall clock's time, to tell how long it waited in Kafka (from its timestamp)
   */
  public RequestSpan start(ConsumerRecord<byte[], byte[]> record, String requestId, Instant now) {
    if (tracer == null) {
      return RequestSpan.NONE;
    }
    Context parent = propagator.extract(Context.root(), record.headers(), RecordHeaders.INSTANCE);
    Span process = tracer.spanBuilder("process " + record.topic())
        .setParent(parent)
        .setSpanKind(SpanKind.CONSUMER)
        .setAttribute(TraceKeys.MESSAGING_SYSTEM, "kafka")
        .setAttribute(TraceKeys.MESSAGING_OPERATION_TYPE, "process")
        .setAttribute(TraceKeys.MESSAGING_OPERATION_NAME, "process")
        .setAttribute(TraceKeys.MESSAGING_DESTINATION, record.topic())
        .setAttribute(TraceKeys.MESSAGING_PARTITION, Integer.toString(record.partition()))
        .setAttribute(TraceKeys.MESSAGING_OFFSET, record.offset())
        .setAttribute(TraceKeys.MESSAGING_GROUP, group)
        .setAttribute(TraceKeys.REQUEST_ID, requestId)
        .setAttribute(TraceKeys.REQUEST_AGE_MS, ageMillis(record.timestamp(), now))
        .startSpan();
    return new RequestSpan(tracer, propagator, parent.with(process), process);
  }

  /**
   * How long the record waited between being written and being taken: 0 when its timestamp is
   * absent, in the future (another machine's clock) or not a time at all.
   */
  static long ageMillis(long timestamp, Instant now) {
    if (timestamp <= 0) {
      return 0;
    }
    long age = now.toEpochMilli() - timestamp;
    return age < 0 ? 0 : age;
  }

  /** Exports what is queued and stops the exporter, waiting at most {@link #CLOSE_TIMEOUT}. */
  @Override
  public void close() {
    shutdown.run();
  }
}
