package dev.relayworker.tracing;

import dev.relayworker.cost.CallCost;
import dev.relayworker.relay.Completion;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.relay.RelayException;
import dev.relayworker.relay.Usage;
import dev.relayworker.resilience.CallTrace;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A request's relay attempts as GenAI CLIENT spans ({@code gen_ai.client.inference}), named
 * {@code {gen_ai.operation.name} {gen_ai.request.model}}, children of its process span: the
 * operation and provider by the endpoint ({@code chat}, {@code text_completion},
 * {@code embeddings}; {@code openai} for the OpenAI formats the relays speak, {@code anthropic}
 * for Messages), the route and key group, the attempt's number across every time the request was
 * sent, the HTTP status, and for an answer its model, ID, finish reasons, token usage (as the
 * worker believed it, {@link Usage#within}) and cost. An attempt that waited for a pause, a slot or
 * its rate-limit permits gets a {@code relay.wait} span before it, for the time it waited.
 *
 * <p>Threads: any (relay I/O and timer threads); spans are thread-safe, the count is atomic.
 */
final class AttemptSpans implements CallTrace {

  /** Waits shorter than this are not worth a span. */
  private static final Duration SHORTEST_WAIT_SPAN = Duration.ofMillis(1);

  private final Tracer tracer;
  private final Context parent;
  private final RelayApi api;
  private final String model;
  private final boolean streamed;
  private final AtomicInteger attempts;
  private final String route;
  private final String group;

  AttemptSpans(Tracer tracer, Context parent, RelayApi api, String model, boolean streamed) {
    this(tracer, parent, api, model, streamed, new AtomicInteger(), null, null);
  }

  private AttemptSpans(Tracer tracer, Context parent, RelayApi api, String model, boolean streamed,
      AtomicInteger attempts, String route, String group) {
    this.tracer = tracer;
    this.parent = parent;
    this.api = api;
    this.model = model;
    this.streamed = streamed;
    this.attempts = attempts;
    this.route = route;
    this.group = group;
  }

  @Override
  public CallTrace onRoute(String routeName, String keyGroup) {
    return new AttemptSpans(tracer, parent, api, model, streamed, attempts, routeName, keyGroup);
  }

  @Override
  public Attempt attempt(Duration waited) {
    int number = attempts.incrementAndGet();
    if (waited.compareTo(SHORTEST_WAIT_SPAN) >= 0) {
      Instant now = Instant.now();
      SpanBuilder wait = tracer.spanBuilder("relay.wait").setParent(parent).setStartTimestamp(now.minus(waited));
      named(wait);
      wait.startSpan().end(now);
    }
    String operation = operation(api);
    SpanBuilder builder = tracer.spanBuilder(model == null ? operation : operation + " " + model)
        .setParent(parent)
        .setSpanKind(SpanKind.CLIENT)
        .setAttribute(TraceKeys.GEN_AI_OPERATION, operation)
        .setAttribute(TraceKeys.GEN_AI_PROVIDER, provider(api))
        .setAttribute(TraceKeys.ATTEMPT, (long) number)
        .setAttribute(TraceKeys.STREAMED, streamed)
        .setAttribute(TraceKeys.WAITED_MS, waited.toMillis());
    if (model != null) {
      builder.setAttribute(TraceKeys.GEN_AI_REQUEST_MODEL, model);
    }
    named(builder);
    return new Traced(builder.startSpan(), api);
  }

  private void named(SpanBuilder builder) {
    if (route != null) {
      builder.setAttribute(TraceKeys.ROUTE, route);
    }
    if (group != null) {
      builder.setAttribute(TraceKeys.GROUP, group);
    }
  }

  /** {@code gen_ai.operation.name} of an endpoint. */
  static String operation(RelayApi api) {
    return switch (api) {
      case COMPLETIONS -> "text_completion";
      case CHAT_COMPLETIONS, MESSAGES -> "chat";
      case EMBEDDINGS -> "embeddings";
    };
  }

  /** {@code gen_ai.provider.name}: the API the relay is spoken to in. */
  static String provider(RelayApi api) {
    return api == RelayApi.MESSAGES ? "anthropic" : "openai";
  }

  /** One attempt's span, ended once. */
  private static final class Traced implements Attempt {
    private final Span span;
    private final RelayApi api;

    Traced(Span span, RelayApi api) {
      this.span = span;
      this.api = api;
    }

    @Override
    public void answered(Completion completion, CallCost cost) {
      span.setAttribute(TraceKeys.HTTP_STATUS, (long) completion.httpStatus());
      if (completion.model() != null) {
        span.setAttribute(TraceKeys.GEN_AI_RESPONSE_MODEL, completion.model());
      }
      AnswerFacts facts = AnswerFacts.of(completion.body(), api);
      if (facts.id() != null) {
        span.setAttribute(TraceKeys.GEN_AI_RESPONSE_ID, facts.id());
      }
      if (!facts.finishReasons().isEmpty()) {
        span.setAttribute(TraceKeys.GEN_AI_FINISH_REASONS, facts.finishReasons());
      }
      Usage usage = cost != null ? cost.usage() : completion.usage().orElse(null);
      if (usage != null) {
        span.setAttribute(TraceKeys.GEN_AI_INPUT_TOKENS, usage.promptTokens());
        span.setAttribute(TraceKeys.GEN_AI_OUTPUT_TOKENS, usage.completionTokens());
        if (usage.cachedTokens() > 0) {
          span.setAttribute(TraceKeys.GEN_AI_CACHE_READ_TOKENS, usage.cachedTokens());
        }
        if (usage.reasoningTokens() > 0) {
          span.setAttribute(TraceKeys.GEN_AI_REASONING_TOKENS, usage.reasoningTokens());
        }
      }
      if (cost != null && cost.priced() && cost.usd() != null) {
        span.setAttribute(TraceKeys.COST_QUOTA, cost.quota());
        span.setAttribute(TraceKeys.COST_USD, cost.usd().doubleValue());
      }
      span.end();
    }

    @Override
    public void failed(RelayException failure) {
      String type = errorType(failure);
      if (failure.httpStatus() > 0) {
        span.setAttribute(TraceKeys.HTTP_STATUS, (long) failure.httpStatus());
      }
      span.setAttribute(TraceKeys.ERROR_TYPE, type);
      span.setStatus(StatusCode.ERROR, type);
      span.end();
    }

    /**
     * {@code error.type}: the relay's error type when it named one (short, from a known set in
     * practice, cut in case), else the status code, else how the transport failed.
     */
    private static String errorType(RelayException failure) {
      String type = failure.error().type();
      if (type != null && !type.isBlank()) {
        return type.length() > 64 ? type.substring(0, 64) : type;
      }
      if (failure.httpStatus() > 0) {
        return Integer.toString(failure.httpStatus());
      }
      return failure.kind().name().toLowerCase(Locale.ROOT);
    }
  }
}
