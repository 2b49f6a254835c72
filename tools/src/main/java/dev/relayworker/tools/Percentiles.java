package dev.relayworker.tools;

/** Nearest-rank percentiles of a sample, for the demo's summary and the benchmark's figures. Pure. */
public final class Percentiles {

  private Percentiles() {}

  /**
   * The nearest-rank {@code percent}th value: the smallest value at or above which lie
   * {@code 100 - percent}% of the sample.
   *
   * @param sorted the sample, ascending
   * @return the value, or NaN when the sample is empty
   */
  public static double of(double[] sorted, int percent) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(index, sorted.length - 1))];
  }
}
