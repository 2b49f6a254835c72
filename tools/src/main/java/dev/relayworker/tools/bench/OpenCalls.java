package dev.relayworker.tools.bench;

import dev.relayworker.simulator.SimulatorStats;
import java.util.Arrays;
import java.util.List;

/**
 * How many calls the relay held open while the worker could have kept it busy, from the
 * simulator's call log (each call's arrival and answer time; the simulator runs in the bench JVM,
 * so its clock is the driver's). The window opens once the phase's last request is in Kafka
 * (before that, the driver's own sending paces the worker) and the relay's slots were first all
 * taken (before that, intake ramps up from idle, a poll at a time; a relay whose slots are never
 * all taken, being paced by a rate limit or answering at once, is measured from the last send).
 * It closes at the phase's last call: after that the worker has nothing left to send, and the
 * tail drains by design. Within it, a worker that keeps the relay's slots full shows a mean and a
 * low at the slot count.
 *
 * @param mean open calls averaged over the window's time
 * @param lowest the lowest average over any whole 100 ms bucket of the window
 */
record OpenCalls(double mean, double lowest) {

  private static final long BUCKET_NANOS = 100_000_000L;

  /**
   * Open calls from {@code allSentNanos}, or the first moment after it when {@code slots} calls
   * were open, to the arrival of the last call whose prompt starts with {@code phasePrefix}; NaN
   * when that leaves no window.
   */
  static OpenCalls during(String phasePrefix, long allSentNanos, int slots, List<SimulatorStats.Call> log) {
    long from = saturatedFrom(allSentNanos, slots, log);
    long to = Long.MIN_VALUE;
    for (SimulatorStats.Call call : log) {
      if (call.prompt() != null && call.prompt().startsWith(phasePrefix)) {
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

  /** The first moment at or after {@code start} when {@code slots} calls were open, else {@code start}. */
  private static long saturatedFrom(long start, int slots, List<SimulatorStats.Call> log) {
    // Arrivals as +1, answers as -1, in time order (an answer before an arrival at the same instant).
    long[] events = new long[2 * log.size()];
    int count = 0;
    for (SimulatorStats.Call call : log) {
      events[count++] = call.arrivalNanos() << 1 | 1;
      events[count++] = call.answeredNanos() << 1;
    }
    Arrays.sort(events, 0, count);
    int open = 0;
    for (int i = 0; i < count; i++) {
      open += (events[i] & 1) == 1 ? 1 : -1;
      long at = events[i] >> 1;
      if (open >= slots && at >= start) {
        return at;
      }
    }
    return start;
  }
}
