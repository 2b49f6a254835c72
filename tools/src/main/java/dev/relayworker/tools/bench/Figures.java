package dev.relayworker.tools.bench;

/**
 * What one benchmark run measured, and the limits it is compared with. Durations in
 * milliseconds, CPU in microseconds per completion. Immutable; serialised as the JSON report.
 *
 * @param workerCpuMicrosWithoutJit the same without the JIT compiler threads' CPU: the cost a
 *     long-running worker converges to once compilation is done
 * @param relayCallsOpenMean calls the relay held open, averaged over time from the moment every
 *     request of the measured phase was in Kafka to its last call ({@link OpenCalls})
 * @param relayCallsOpenMin the lowest 100 ms average of open calls in that window
 * @param workerThreadsStarted threads the worker JVM started during the measured phase, or -1
 * @param tokensPerMinute tokens the relay reported in the measured phase's replies (usage headers),
 *     per minute from the first send to the last reply
 * @param tokenLimitPerMinute the relay's and the worker's token budget, or 0
 * @param workers worker processes in the group
 * @param inputsPerCall embeddings inputs per relay call in the measured phase; NaN for completions
 * @param firstChunkAddedP50Ms for streamed requests, from the request's send to its first chunk
 *     read, less the relay's time to its first token: what the worker and Kafka add to the time to
 *     first token the reader sees; NaN otherwise
 * @param chunkPathP50Ms from the relay's first token (the call's arrival plus its latency, by the
 *     simulator's clock, which is the bench's) to the first chunk read: the chunk path alone
 * @param chunksPerAnswer chunk records read per answered request
 */
public record Figures(
    String scenario,
    int requests,
    int answered,
    int errors,
    double completionsPerSecond,
    double throughputLimit,
    double e2eP50Ms,
    double e2eP95Ms,
    double e2eP99Ms,
    double addedP50Ms,
    double addedP99Ms,
    double relayCallsPerRequest,
    long rateLimited429s,
    double workerCpuMicrosPerCompletion,
    double workerCpuMicrosWithoutJit,
    long workerPeakHeapMiB,
    double naiveCompletionsPerSecond,
    double relayCallsOpenMean,
    double relayCallsOpenMin,
    long workerThreadsStarted,
    double tokensPerMinute,
    long tokenLimitPerMinute,
    int workers,
    double inputsPerCall,
    double firstChunkAddedP50Ms,
    double firstChunkAddedP99Ms,
    double chunkPathP50Ms,
    double chunkPathP99Ms,
    double chunksPerAnswer) {

  /** Completions per second as a share of the limit, or NaN where there is none. */
  public double throughputRatio() {
    return throughputLimit > 0 ? completionsPerSecond / throughputLimit : Double.NaN;
  }
}
