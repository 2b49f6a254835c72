package dev.relayworker.metrics;

import dev.relayworker.cost.CallCost;
import dev.relayworker.embeddings.EmbeddingBatcher;
import dev.relayworker.streaming.StreamListener;
import dev.relayworker.relay.RelayException;
import dev.relayworker.relay.Usage;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.RelayCallListener;
import dev.relayworker.resilience.ResilientRelay;
import dev.relayworker.resilience.SpendBudget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The worker's meters (names in {@link Metric}) over one Micrometer registry, and the latest
 * {@link LoopStatus} they and the health checks read.
 *
 * <p>Threads: the recording methods are called on the poll thread (requests, replies, tokens,
 * status) and on relay threads (attempts, retries, permit waits); all are thread-safe and cheap.
 * Gauges are read on the scraping thread from the published status, never from the consumer.
 */
public final class WorkerMetrics {

  private static final String NONE = "none";
  /** Distinct model names that get series of their own; later ones count as "other". */
  static final int MODEL_TAGS = 200;
  /** Distinct relay statuses that get series of their own, per route. */
  static final int STATUS_TAGS = 50;

  private final MeterRegistry registry;
  private final Counter consumed;
  private final Counter moved;
  private final Counter skipped;
  private final Counter aborted;
  private final Map<String, Counter> replaced = new ConcurrentHashMap<>();
  private final Timer okAge;
  private final Timer errorAge;
  private final Map<String, Counter> replies = new ConcurrentHashMap<>();
  private final Map<String, Counter> tokens = new ConcurrentHashMap<>();
  private final Map<ModelRoute, CostCounters> costCounters = new ConcurrentHashMap<>();
  /** Cost split by kind of token, per route. */
  private final Map<String, CostKinds> costKinds = new ConcurrentHashMap<>();
  private final Map<String, Counter> unpriced = new ConcurrentHashMap<>();
  private final Map<String, Counter> shareAcknowledgements = new ConcurrentHashMap<>();
  private final LoopGauges loop;
  private final TagValues models = new TagValues(MODEL_TAGS);
  /** What became of ended spans, by outcome; empty while tracing is off. */
  private volatile Map<String, java.util.function.LongSupplier> traceSpans = Map.of();
  private volatile long lastPollMillis;

  public WorkerMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.consumed = counter(Metric.REQUESTS_CONSUMED, Tags.empty());
    this.moved = counter(Metric.REQUESTS_MOVED, Tags.empty());
    this.skipped = counter(Metric.RECORDS_SKIPPED, Tags.empty());
    this.aborted = counter(Metric.TRANSACTIONS_ABORTED, Tags.empty());
    this.okAge = histogram(Metric.REQUEST_AGE, Tags.of("status", "ok"));
    this.errorAge = histogram(Metric.REQUEST_AGE, Tags.of("status", "error"));
    this.loop = new LoopGauges(registry);
  }

  /**
   * Adds route {@code route}'s gauges (slots, key, share, budgets), tagged {@code route}, and
   * Resilience4j's meters for its breaker and retry (named after the route).
   */
  public void bind(String route, ResilientRelay relay) {
    Tags tags = Tags.of("route", route);
    Gauge.builder(Metric.RELAY_CALLS_ACTIVE.meterName(), relay, ResilientRelay::callsInProgress)
        .description(Metric.RELAY_CALLS_ACTIVE.description())
        .tags(tags)
        .register(registry);
    Gauge.builder(Metric.KEY_AVAILABLE.meterName(), relay, current -> current.keyAvailable() ? 1 : 0)
        .description(Metric.KEY_AVAILABLE.description())
        .tags(tags)
        .register(registry);
    Gauge.builder(Metric.LIMIT_SHARE.meterName(), relay, ResilientRelay::share)
        .description(Metric.LIMIT_SHARE.description())
        .tags(tags)
        .register(registry);
    for (SpendBudget.Window window : SpendBudget.Window.values()) {
      if (relay.budgetRemaining(window) >= 0) {
        Gauge.builder(Metric.BUDGET_REMAINING.meterName(), relay,
                current -> Math.max(0, current.budgetRemaining(window)) / current.quotaPerUsd())
            .description(Metric.BUDGET_REMAINING.description())
            .tags(tags.and("window", window.label()))
            .register(registry);
      }
    }
    relay.bindTo(registry);
  }

  /** A listener that records route {@code route}'s attempts, retries, permit waits and fall-overs here, tagged {@code route}. */
  public RelayCallListener relayListener(String route) {
    Tags tags = Tags.of("route", route);
    Map<String, Timer> latencies = new ConcurrentHashMap<>();
    TagValues statuses = new TagValues(STATUS_TAGS);
    Counter retries = counter(Metric.RELAY_RETRIES, tags);
    Counter usageCorrected = counter(Metric.USAGE_CORRECTED, tags);
    Counter throttled = counter(Metric.RELAY_THROTTLED, tags);
    Counter fallovers = counter(Metric.ROUTE_FALLOVERS, tags);
    Timer permitWait = Timer.builder(Metric.RATE_LIMITER_WAIT.meterName())
        .description(Metric.RATE_LIMITER_WAIT.description())
        .tags(tags)
        .register(registry);
    return new RelayCallListener() {
      @Override
      public void retryScheduled(int failedAttempt, Duration wait, RelayException cause) {
        retries.increment();
      }

      @Override
      public void attemptFinished(Duration elapsed, int httpStatus) {
        // Any number a relay sends is a status; only real ones, and not too many, become series.
        String status = httpStatus == 0 || (httpStatus >= 100 && httpStatus <= 599)
            ? statuses.of(Integer.toString(httpStatus)) : TagValues.OTHER;
        latencies.computeIfAbsent(status, name -> histogram(Metric.RELAY_LATENCY, tags.and("status", name)))
            .record(elapsed);
        if (httpStatus == 429) {
          throttled.increment();
        }
      }

      @Override
      public void usageCorrected(Usage reported, Usage used) {
        usageCorrected.increment();
      }

      @Override
      public void permitWaited(Duration wait) {
        permitWait.record(wait);
      }

      @Override
      public void movedOn(String nextRoute, CallFailedException failure) {
        fallovers.increment();
      }
    };
  }

  /** Counts embeddings batches sent and split ({@link Metric#EMBEDDING_CALLS} and kin); any thread. */
  public EmbeddingBatcher.Listener embeddingsListener() {
    Counter calls = counter(Metric.EMBEDDING_CALLS, Tags.empty());
    Counter requests = counter(Metric.EMBEDDING_REQUESTS, Tags.empty());
    Counter inputs = counter(Metric.EMBEDDING_INPUTS, Tags.empty());
    Counter splits = counter(Metric.EMBEDDING_SPLITS, Tags.empty());
    return new EmbeddingBatcher.Listener() {
      @Override
      public void sent(int batched, int carried) {
        calls.increment();
        requests.increment(batched);
        inputs.increment(carried);
      }

      @Override
      public void split(int batched) {
        splits.increment();
      }
    };
  }

  /** Counts what the chunk publisher writes; its methods may be called from any thread. */
  public StreamListener streamListener() {
    Timer firstChunk = histogram(Metric.STREAM_FIRST_CHUNK, Tags.empty());
    Counter chunks = counter(Metric.STREAM_CHUNKS, Tags.empty());
    Counter completed = counter(Metric.STREAM_COMPLETED, Tags.empty());
    Counter failures = counter(Metric.STREAM_CHUNK_FAILURES, Tags.empty());
    return new StreamListener() {
      @Override
      public void firstChunk(Duration sinceStart) {
        firstChunk.record(sinceStart);
      }

      @Override
      public void chunkWritten() {
        chunks.increment();
      }

      @Override
      public void chunkFailed() {
        failures.increment();
      }

      @Override
      public void streamCompleted(int count) {
        completed.increment();
      }
    };
  }

  public void requestConsumed() {
    consumed.increment();
  }

  /** A parked request was moved to the retry topic. */
  public void requestMoved() {
    moved.increment();
  }

  /** A record was replaced by the fallback {@code step} (error_on_route, error_on_default, dead_letter_cut). */
  public void recordReplaced(String step) {
    replaced.computeIfAbsent(step, name -> counter(Metric.RECORDS_REPLACED, Tags.of("fallback", name))).increment();
  }

  /** A record was given up after every fallback. */
  public void recordSkipped() {
    skipped.increment();
  }

  public void recordTransactionAborted() {
    aborted.increment();
  }

  /**
   * Publishes what became of ended spans: exported, dropped, failed (counts read on the scraping
   * thread). The counts are held here: Micrometer keeps only a weak reference to a function
   * counter's object, and a method reference no one else holds would be collected.
   */
  public void bindTraceSpans(java.util.function.LongSupplier exported, java.util.function.LongSupplier dropped,
      java.util.function.LongSupplier failed) {
    traceSpans = Map.of("exported", exported, "dropped", dropped, "failed", failed);
    traceSpans.keySet().forEach(outcome ->
        FunctionCounter.builder(Metric.TRACE_SPANS.meterName(), this,
                metrics -> metrics.traceSpans.get(outcome).getAsLong())
            .description(Metric.TRACE_SPANS.description())
            .tag("outcome", outcome)
            .register(registry));
  }

  /**
   * Publishes how long answered requests have waited for delivery without progress.
   *
   * @param waitingSinceMillis millis since when, or 0 when nothing waits; read on the scraping thread
   * @param nowMillis the time on the clock {@code waitingSinceMillis} was read on
   */
  public void bindDeliveryWait(java.util.function.LongSupplier waitingSinceMillis, java.util.function.LongSupplier nowMillis) {
    Gauge.builder(Metric.DELIVERY_WAIT.meterName(), waitingSinceMillis, since -> {
      long from = since.getAsLong();
      return from == 0 ? 0 : Math.max(0, nowMillis.getAsLong() - from) / 1000.0;
    })
        // Micrometer holds a gauge's object weakly; this method reference is held by no one else, and
        // once collected the gauge reads NaN, and the delivery-stalled alert never fires.
        .strongReference(true)
        .description(Metric.DELIVERY_WAIT.description()).register(registry);
  }

  /**
   * One reply produced; {@code errorType} is the reply's error type, or null for an ok reply;
   * {@code age} is the time since the request record's timestamp, or null when it has none.
   */
  public void replied(String errorType, Duration age) {
    String key = errorType == null ? NONE : errorType;
    replies.computeIfAbsent(key, type -> counter(Metric.REPLIES,
        Tags.of("status", errorType == null ? "ok" : "error", "error_type", type))).increment();
    if (age != null) {
      // A producer clock ahead of ours makes a negative age: count it as no wait at all.
      (errorType == null ? okAge : errorAge).record(age.isNegative() ? Duration.ZERO : age);
    }
  }

  /**
   * Usage of one completion, as the worker believes it; {@code model} as the relay named it, or
   * null. Cached and reasoning tokens are counted again under their own kinds (they are part of the
   * prompt's and the completion's), when there are any.
   */
  public void tokens(String model, Usage usage) {
    String name = model == null || model.isBlank() ? "unknown" : models.of(model);
    tokenCounter(name, "prompt").increment(usage.promptTokens());
    tokenCounter(name, "completion").increment(usage.completionTokens());
    if (usage.cachedTokens() > 0) {
      tokenCounter(name, "cached").increment(usage.cachedTokens());
    }
    if (usage.reasoningTokens() > 0) {
      tokenCounter(name, "reasoning").increment(usage.reasoningTokens());
    }
  }

  /**
   * What one answered call cost; an unpriced model is counted as such.
   *
   * @param route the route that answered, or null when the relay has none ({@code default})
   */
  public void cost(CallCost cost, String route) {
    String model = cost.model() == null || cost.model().isBlank() ? "unknown" : models.of(cost.model());
    String group = cost.group() == null ? "unknown" : cost.group();
    String via = route == null ? "default" : route;
    if (!cost.priced()) {
      unpriced.computeIfAbsent(model, name -> counter(Metric.UNPRICED, Tags.of("model", name))).increment();
      return;
    }
    CostCounters counters = costCounters.computeIfAbsent(new ModelRoute(model, group, via), key -> new CostCounters(
        counter(Metric.COST_QUOTA, Tags.of("model", model, "group", group, "route", via)),
        counter(Metric.COST_USD, Tags.of("model", model, "group", group, "route", via))));
    counters.quota().increment(cost.quota());
    counters.usd().increment(cost.usd().doubleValue());
    CostKinds kinds = costKinds.computeIfAbsent(via, name -> new CostKinds(
        counter(Metric.COST_USD_BY_KIND, Tags.of("kind", "prompt", "route", name)),
        counter(Metric.COST_USD_BY_KIND, Tags.of("kind", "cached", "route", name)),
        counter(Metric.COST_USD_BY_KIND, Tags.of("kind", "completion", "route", name))));
    kinds.prompt().increment(cost.byKind().prompt());
    kinds.cached().increment(cost.byKind().cached());
    kinds.completion().increment(cost.byKind().completion());
  }

  private record CostKinds(Counter prompt, Counter cached, Counter completion) {}

  private record ModelRoute(String model, String group, String route) {}

  private record CostCounters(Counter quota, Counter usd) {}

  /** A share-group record was acknowledged with {@code type} (accept, reject, renew, release). Poll thread. */
  public void shareAcknowledged(String type) {
    shareAcknowledgements.computeIfAbsent(type, key -> counter(Metric.SHARE_ACKNOWLEDGEMENTS, Tags.of("type", key)))
        .increment();
  }

  /** A share-group record came with a delivery count above 1. */
  public void shareRedelivered() {
    counter(Metric.SHARE_REDELIVERIES, Tags.empty()).increment();
  }

  /** A share-group record delivered again was found answered and accepted without a relay call. */
  public void shareAnsweredAgain() {
    counter(Metric.SHARE_ANSWERED_AGAIN, Tags.empty()).increment();
  }

  /** The broker refused acknowledgements of {@code count} records: their locks had run out. */
  public void shareLocksLost(int count) {
    counter(Metric.SHARE_LOCKS_LOST, Tags.empty()).increment(count);
  }

  /** Binds the gauge of share-group records held, read from {@code held} on the scraping thread. */
  public void bindShareRecordsHeld(java.util.function.IntSupplier held) {
    Gauge.builder(Metric.SHARE_RECORDS_HELD.meterName(), held, supplier -> supplier.getAsInt())
        .strongReference(true) // As the delivery wait's: no one else holds the method reference.
        .description(Metric.SHARE_RECORDS_HELD.description())
        .register(registry);
  }

  /** The poll loop turned at this wall-clock time (for liveness). */
  public void polled(long epochMillis) {
    lastPollMillis = epochMillis;
  }

  public long lastPollMillis() {
    return lastPollMillis;
  }

  /** Publishes the poll loop's state ({@link LoopGauges}). Poll thread only. */
  public void publish(LoopStatus next) {
    loop.publish(next);
  }

  public LoopStatus status() {
    return loop.status();
  }

  private Counter tokenCounter(String model, String kind) {
    return tokens.computeIfAbsent(model + '\n' + kind, key -> counter(Metric.TOKENS, Tags.of("model", model, "kind", kind)));
  }

  private Counter counter(Metric metric, Tags tags) {
    return Counter.builder(metric.meterName()).description(metric.description()).tags(tags).register(registry);
  }

  /** A timer with Prometheus buckets from 1 ms to 5 min, the span of LLM calls and their queueing. */
  private Timer histogram(Metric metric, Tags tags) {
    return Timer.builder(metric.meterName())
        .description(metric.description())
        .tags(tags)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofMinutes(5))
        .register(registry);
  }
}
