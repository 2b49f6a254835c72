package dev.relayworker.tracing;

import dev.relayworker.relay.RelayApi;
import dev.relayworker.resilience.CallTrace;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.List;
import org.apache.kafka.common.header.Headers;

/**
 * One request's spans: the {@code process} span ({@link Tracing#start}) from its record being taken
 * to its reply being safe; a CLIENT span per relay attempt ({@link #calls}); and the
 * {@code send} PRODUCER span from the reply being handed to Kafka to it being safe (acknowledged, or
 * its transaction committed), whose context the reply's headers carry. What happened between is
 * told as events (parked, sent again) and the outcome as attributes.
 *
 * <p>{@link #NONE} does nothing (tracing off). Threads: the poll thread, except {@link #calls}'s
 * trace, which the relay threads use; spans are thread-safe.
 */
public final class RequestSpan {

  /** A request not traced. */
  public static final RequestSpan NONE = new RequestSpan(null, null, null, null);

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  /** The process span's context: the parent of every other span of the request. */
  private final Context context;
  private final Span process;
  private AttemptSpans calls;
  private Span send;

  RequestSpan(Tracer tracer, TextMapPropagator propagator, Context context, Span process) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.context = context;
    this.process = process;
  }

  /** Whether it is traced: false for {@link #NONE}. */
  public boolean on() {
    return process != null;
  }

  /**
   * What its relay calls tell the trace: one {@code {operation} {model}} CLIENT span per attempt,
   * numbered across every time the request is sent. Null when not traced.
   */
  public CallTrace calls(RelayApi api, String model, boolean streamed) {
    if (process == null) {
      return null;
    }
    if (calls == null) {
      calls = new AttemptSpans(tracer, context, api, model, streamed);
    }
    return calls;
  }

  /** Something that happened to the request, as an event on its process span ({@code relay.reason}: why). */
  public void event(String name, String reason) {
    if (process != null) {
      process.addEvent(name, reason == null ? Attributes.empty() : Attributes.of(TraceKeys.REASON, reason));
    }
  }

  /**
   * Its answer is built: {@code outcome} ({@code ok}, {@code error}, {@code moved}), the error's
   * type, the route and group that answered. An error reply marks the process span an error.
   */
  public void answered(String outcome, String errorType, String route, String group) {
    if (process == null) {
      return;
    }
    process.setAttribute(TraceKeys.OUTCOME, outcome);
    if (route != null) {
      process.setAttribute(TraceKeys.ROUTE, route);
    }
    if (group != null) {
      process.setAttribute(TraceKeys.GROUP, group);
    }
    if (errorType != null) {
      process.setAttribute(TraceKeys.ERROR_TYPE, errorType);
      process.setStatus(StatusCode.ERROR, errorType);
    }
  }

  /**
   * Its records go to Kafka: opens the {@code send} span and writes its context into the headers
   * given ({@code traceparent}: the reply's, a retry copy's), so whoever reads them continues this trace.
   *
   * @param topic where the first record (the reply) goes
   */
  public void publishing(String topic, List<Headers> records) {
    if (process == null) {
      return;
    }
    if (send == null) {
      send = tracer.spanBuilder("send " + topic)
          .setParent(context)
          .setSpanKind(SpanKind.PRODUCER)
          .setAttribute(TraceKeys.MESSAGING_SYSTEM, "kafka")
          .setAttribute(TraceKeys.MESSAGING_OPERATION_TYPE, "send")
          .setAttribute(TraceKeys.MESSAGING_OPERATION_NAME, "send")
          .setAttribute(TraceKeys.MESSAGING_DESTINATION, topic)
          .setAttribute(TraceKeys.MESSAGING_BATCH_COUNT, (long) records.size())
          .startSpan();
    }
    Context sending = context.with(send);
    for (Headers headers : records) {
      propagator.inject(sending, headers, RecordHeaders.INSTANCE);
    }
  }

  /** Its reply is safe: the send and process spans end. Later calls do nothing. */
  public void done() {
    if (process == null) {
      return;
    }
    if (send != null) {
      send.end();
    }
    process.end();
  }
}
