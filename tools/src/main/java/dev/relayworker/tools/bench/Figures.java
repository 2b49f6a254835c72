package dev.relayworker.tools.bench;

/**
 * What one benchmark run measured, and the limits it is compared with. Durations in
 * milliseconds, CPU in microseconds per completion. Immutable; serialised as the JSON report.
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
    long workerPeakHeapMiB,
    double naiveCompletionsPerSecond) {

  /** Completions per second as a share of the limit, or NaN where there is none. */
  public double throughputRatio() {
    return throughputLimit > 0 ? completionsPerSecond / throughputLimit : Double.NaN;
  }
}
