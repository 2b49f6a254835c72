package dev.relayworker.tools.bench;

import dev.relayworker.simulator.SimulatorStats;
import java.util.Arrays;
import java.util.List;

/**
 * How many calls the relay held open while a phase's calls were arriving, from the simulator's
 * call log (each call's arrival and answer time). The window runs from the phase's first call to
 * its last one: after that the worker has nothing left to send, and the tail drains by design.
 * Within it, a worker that keeps the relay's slots full shows a mean and a low at the slot count.
 *
 * @param mean open calls averaged over the window's time
 * @param lowest the lowest average over any whole 100 ms bucket of the window
 */
record OpenCalls(double mean, double lowest) {

  private static final long BUCKET_NANOS = 100_000_000L;

  /** Open calls while calls whose prompt starts with {@code phasePrefix} were arriving; NaN when none did. */
  static OpenCalls during(String phasePrefix, List<SimulatorStats.Call> log) {
    long from = Long.MAX_VALUE;
    long to = Long.MIN_VALUE;
    for (SimulatorStats.Call call : log) {
      if (call.prompt() != null && call.prompt().startsWith(phasePrefix)) {
        from = Math.min(from, call.arrivalNanos());
        to = Math.max(to, call.arrivalNanos());
      }
    }
    if (to <= from) {
      return new OpenCalls(Double.NaN, Double.NaN);
    }
    // Open-call time per bucket: each call adds the part of its life that falls in each bucket.
    int buckets = (int) ((to - from + BUCKET_NANOS - 1) / BUCKET_NANOS);
    double[] openNanos = new double[buckets];
    for (SimulatorStats.Call call : log) {
      long start = Math.max(from, call.arrivalNanos());
      long end = Math.min(to, call.answeredNanos());
      for (long at = start; at < end; ) {
        int bucket = (int) ((at - from) / BUCKET_NANOS);
        long bucketEnd = Math.min(end, from + (bucket + 1) * BUCKET_NANOS);
        openNanos[bucket] += bucketEnd - at;
        at = bucketEnd;
      }
    }
    double total = Arrays.stream(openNanos).sum();
    double lowest = Double.NaN;
    for (int bucket = 0; bucket < buckets; bucket++) {
      long width = Math.min(BUCKET_NANOS, to - (from + bucket * BUCKET_NANOS));
      if (width == BUCKET_NANOS || buckets == 1) { // a sliver of a last bucket says little
        lowest = Double.isNaN(lowest) ? openNanos[bucket] / width : Math.min(lowest, openNanos[bucket] / width);
      }
    }
    return new OpenCalls(total / (to - from), lowest);
  }
}
