package dev.relayworker.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the simulator has been asked, for tests and benchmarks to count: completion calls in
 * all, by outcome ("200", "429", "hang", ...) and by prompt, plus the arrival times of the
 * first {@value #MAX_ARRIVALS} calls. Thread-safe; reads are snapshots.
 */
public final class SimulatorStats {

  static final int MAX_ARRIVALS = 1_000_000;

  private final LongAdder calls = new LongAdder();
  private final Map<String, LongAdder> byOutcome = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byPrompt = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> byInput = new ConcurrentHashMap<>();
  private final LongAdder embeddingCalls = new LongAdder();
  private final LongAdder embeddingInputs = new LongAdder();
  private final java.util.concurrent.atomic.AtomicInteger maxInputsPerCall = new java.util.concurrent.atomic.AtomicInteger();
  private final List<List<String>> embeddedCalls = new ArrayList<>();
  private final List<Long> arrivalNanos = new ArrayList<>();
  private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger maxOpen = new java.util.concurrent.atomic.AtomicInteger();

  /** One completion call as the simulator saw it: prompt, outcome, arrival and answer times. */
  public record Call(String prompt, String outcome, long arrivalNanos, long answeredNanos) {}

  private final List<Call> callLog = new ArrayList<>();

  /** Logs a call when its answer (or injected error) goes out, for checks of what was called when. */
  void recordCall(String prompt, String outcome, long arrivalNanos) {
    synchronized (callLog) {
      if (callLog.size() < MAX_ARRIVALS) {
        callLog.add(new Call(prompt, outcome, arrivalNanos, System.nanoTime()));
      }
    }
  }

  /** The answered calls, first {@value #MAX_ARRIVALS}, in the order their answers went out. */
  public List<Call> callLog() {
    synchronized (callLog) {
      return List.copyOf(callLog);
    }
  }

  void recordArrival(long nanos) {
    calls.increment();
    maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
    synchronized (arrivalNanos) {
      if (arrivalNanos.size() < MAX_ARRIVALS) {
        arrivalNanos.add(nanos);
      }
    }
  }

  /** A completion call got its answer (or its fault); it no longer counts as open. */
  void recordAnswered() {
    open.decrementAndGet();
  }

  void recordOutcome(String outcome, String prompt) {
    byOutcome.computeIfAbsent(outcome, key -> new LongAdder()).increment();
    if (prompt != null) {
      byPrompt.computeIfAbsent(prompt, key -> new LongAdder()).increment();
    }
  }

  private final Map<String, LongAdder> messagesAuth = new ConcurrentHashMap<>();

  /** A Messages call carried its key this way ({@code x-api-key} or {@code bearer}) and this {@code anthropic-version} (or none). */
  void recordMessagesAuth(String how, String version) {
    messagesAuth.computeIfAbsent(how + (version == null ? "" : " " + version), key -> new LongAdder()).increment();
  }

  /** Messages calls by how they carried the key and their {@code anthropic-version}: {@code "x-api-key 2023-06-01"} and the like. */
  public Map<String, Long> messagesAuth() {
    return snapshot(messagesAuth);
  }

  /** An embeddings call was answered with vectors for these inputs (texts, or token ids as JSON text). */
  void recordEmbeddings(List<String> inputs) {
    embeddingCalls.increment();
    embeddingInputs.add(inputs.size());
    maxInputsPerCall.accumulateAndGet(inputs.size(), Math::max);
    inputs.forEach(input -> byInput.computeIfAbsent(input, key -> new LongAdder()).increment());
    synchronized (embeddedCalls) {
      if (embeddedCalls.size() < MAX_ARRIVALS) {
        embeddedCalls.add(List.copyOf(inputs));
      }
    }
  }

  /** Embeddings calls answered with vectors. */
  public long embeddingCalls() {
    return embeddingCalls.sum();
  }

  /** Inputs those calls embedded. */
  public long embeddingInputs() {
    return embeddingInputs.sum();
  }

  /** The most inputs one embeddings call carried. */
  public int maxInputsPerCall() {
    return maxInputsPerCall.get();
  }

  /** The inputs of each embeddings call answered with vectors (the first {@value #MAX_ARRIVALS}), in answer order. */
  public List<List<String>> embeddedCalls() {
    synchronized (embeddedCalls) {
      return List.copyOf(embeddedCalls);
    }
  }

  /** How many inputs each of those calls carried. */
  public List<Integer> inputsPerCall() {
    return embeddedCalls().stream().map(List::size).toList();
  }

  /** How many times this input was embedded in calls answered with vectors. */
  public long embeddingsOf(String input) {
    LongAdder count = byInput.get(input);
    return count == null ? 0 : count.sum();
  }

  /** Completion calls received, whatever their outcome. */
  public long calls() {
    return calls.sum();
  }

  /** Completion calls open now: arrived and not yet answered. */
  public int openCalls() {
    return open.get();
  }

  /** Most completion calls the simulator held open at once: how concurrent its client was. */
  public int maxConcurrentCalls() {
    return maxOpen.get();
  }

  /** Calls answered with this outcome: an HTTP status as text, or a fault label. */
  public long outcome(String outcome) {
    LongAdder count = byOutcome.get(outcome);
    return count == null ? 0 : count.sum();
  }

  public Map<String, Long> byOutcome() {
    return snapshot(byOutcome);
  }

  /** Calls whose prompt was this string (array prompts are keyed by their JSON text). */
  public long callsForPrompt(String prompt) {
    LongAdder count = byPrompt.get(prompt);
    return count == null ? 0 : count.sum();
  }

  public Map<String, Long> byPrompt() {
    return snapshot(byPrompt);
  }

  /** {@link System#nanoTime()} at which each of the first calls arrived, in arrival order. */
  public List<Long> arrivalNanos() {
    synchronized (arrivalNanos) {
      return List.copyOf(arrivalNanos);
    }
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counts) {
    Map<String, Long> copy = new TreeMap<>();
    counts.forEach((key, count) -> copy.put(key, count.sum()));
    return copy;
  }
}
