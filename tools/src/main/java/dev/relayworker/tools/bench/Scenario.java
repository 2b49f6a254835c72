package dev.relayworker.tools.bench;

import dev.relayworker.config.WorkerConfig;
import java.time.Duration;

/**
 * One benchmark setting: the relay's behaviour, the worker's settings and the load. Immutable.
 *
 * @param requests requests in the measured phase (0 for a timed phase, see {@code duration})
 * @param offeredRate requests per second offered at a fixed pace; 0 sends them all at once
 * @param relaySlots the worker's {@code relay.max.concurrent.calls}; its in-flight cap is left at
 *     its default, sized from the slots
 * @param relayRpm the simulator's own limit and the worker's configured pace; 0 for none
 * @param relayTpm the simulator's tokens-per-minute limit and the worker's token budget; 0 for none
 * @param workers worker processes sharing the key (and its limits) in one group
 * @param maxTokens each request's {@code max_tokens}; the simulator writes 4 to 63 tokens, cut there
 * @param embeddingInputs 0 for completion requests; else the requests are embeddings of one to
 *     three short inputs each, and this is the worker's {@code embeddings.batch.max.inputs}
 * @param stream whether the requests ask for their answers streamed
 * @param tokenPace the relay's wait between two events of a streamed answer (one token each);
 *     answers are then written at least {@code maxTokens} long ({@code min_tokens}), streamed or not
 * @param consumerMode the workers' {@code consumer.mode}: group (a consumer group) or share (a share group)
 */
public record Scenario(
    String name,
    int partitions,
    int requests,
    int warmUpRequests,
    double offeredRate,
    Duration relayLatency,
    int relaySlots,
    int relayRpm,
    String deliveryGuarantee,
    String workerHeap,
    int relayTpm,
    int workers,
    int maxTokens,
    int embeddingInputs,
    boolean stream,
    Duration tokenPace,
    String consumerMode) {

  /** Completion requests asking for {@code maxTokens} each. */
  public Scenario(String name, int partitions, int requests, int warmUpRequests, double offeredRate,
      Duration relayLatency, int relaySlots, int relayRpm, String deliveryGuarantee, String workerHeap, int relayTpm,
      int workers, int maxTokens) {
    this(name, partitions, requests, warmUpRequests, offeredRate, relayLatency, relaySlots, relayRpm,
        deliveryGuarantee, workerHeap, relayTpm, workers, maxTokens, 0, false, Duration.ZERO, WorkerConfig.GROUP);
  }

  /** Embeddings requests, batched up to {@code maxInputs} inputs a call (1: each alone). */
  public static Scenario embeddings(String name, int requests, int warmUpRequests, double offeredRate,
      Duration relayLatency, int relayRpm, int maxInputs) {
    return new Scenario(name, 4, requests, warmUpRequests, offeredRate, relayLatency, 200, relayRpm,
        WorkerConfig.EXACTLY_ONCE, null, 0, 1, 16, maxInputs, false, Duration.ZERO, WorkerConfig.GROUP);
  }

  /**
   * Completion requests of {@code tokens} tokens each, offered at {@code rate} a second, which the
   * relay writes one token every {@code pace} after {@code firstToken}, at most {@code slots} at a
   * time; streamed or answered whole.
   */
  public static Scenario streaming(String name, int requests, int warmUpRequests, double rate, Duration firstToken,
      Duration pace, int tokens, int slots, boolean stream) {
    return new Scenario(name, 4, requests, warmUpRequests, rate, firstToken, slots, 0, WorkerConfig.EXACTLY_ONCE, null,
        0, 1, tokens, 0, stream, pace, WorkerConfig.GROUP);
  }

  /**
   * Completion requests on a one-partition topic, all offered at once, answered by {@code workers}
   * workers of {@code slots} relay calls each in a consumer group ({@code mode} group: one works,
   * the others have no partition) or a share group (share: all work).
   */
  public static Scenario oneBusyPartition(String name, int requests, int warmUpRequests, Duration latency, int slots,
      int workers, String mode) {
    return new Scenario(name, 1, requests, warmUpRequests, 0, latency, slots, 0, WorkerConfig.EXACTLY_ONCE, null, 0,
        workers, 16, 0, false, Duration.ZERO, mode);
  }

  /** Whether the relay writes answers at a pace (streamed or not). */
  public boolean paced() {
    return !tokenPace.isZero();
  }

  public boolean embeddings() {
    return embeddingInputs > 0;
  }

  /** Requests asking for at most 16 tokens, about what they use. */
  public Scenario(String name, int partitions, int requests, int warmUpRequests, double offeredRate,
      Duration relayLatency, int relaySlots, int relayRpm, String deliveryGuarantee, String workerHeap, int relayTpm,
      int workers) {
    this(name, partitions, requests, warmUpRequests, offeredRate, relayLatency, relaySlots, relayRpm,
        deliveryGuarantee, workerHeap, relayTpm, workers, 16);
  }

  /** One worker, no token limit. */
  public Scenario(String name, int partitions, int requests, int warmUpRequests, double offeredRate,
      Duration relayLatency, int relaySlots, int relayRpm, String deliveryGuarantee, String workerHeap) {
    this(name, partitions, requests, warmUpRequests, offeredRate, relayLatency, relaySlots, relayRpm,
        deliveryGuarantee, workerHeap, 0, 1);
  }

  /**
   * Little's law: no worker completes more than relay slots / latency requests per second (all
   * workers together); a streamed answer takes the latency and a pace per token (the simulator
   * paces streams only: an answer asked whole comes all at once after the latency).
   */
  public double littleLimit() {
    // A consumer group keeps one worker per partition busy; a share group all of them.
    int busy = WorkerConfig.SHARE.equals(consumerMode) ? workers : Math.min(workers, partitions);
    long nanos = relayLatency.toNanos() + (stream ? tokenPace.toNanos() * maxTokens : 0);
    return nanos == 0 ? 0 : busy * relaySlots / (nanos / 1e9);
  }

  /**
   * The bound for this scenario in completions per second: the relay's request limit if it has one,
   * else Little's law; 0 (none known) under a token limit, whose bound is in tokens.
   */
  public double throughputLimit() {
    double calls = relayTpm > 0 ? 0 : relayRpm > 0 ? relayRpm / 60.0 : littleLimit();
    // Embeddings records carry two inputs on average (one to three): every call full, the most records a second.
    return embeddings() ? calls * Math.max(1, embeddingInputs / 2.0) : calls;
  }

  public Scenario withDelivery(String guarantee) {
    return new Scenario(name + "/" + guarantee, partitions, requests, warmUpRequests, offeredRate, relayLatency,
        relaySlots, relayRpm, guarantee, workerHeap, relayTpm, workers, maxTokens, embeddingInputs, stream, tokenPace,
        consumerMode);
  }
}
