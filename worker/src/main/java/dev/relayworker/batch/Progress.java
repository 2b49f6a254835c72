package dev.relayworker.batch;

import java.io.PrintStream;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Shows how far a batch is: on a terminal a bar redrawn in place five times a second, otherwise a
 * plain line every {@value #PLAIN_EVERY_SECONDS} seconds (logs and CI keep those readable). Rate
 * and ETA count only this run's answers, so a resumed batch does not look faster than it is.
 *
 * <p>Confined to the thread that runs the batch. Time comes from the given nano clock.
 */
final class Progress {

  private static final long PLAIN_EVERY_SECONDS = 5;
  private static final int BAR_WIDTH = 30;

  private final PrintStream out;
  private final boolean terminal;
  private final LongSupplier nanoTime;
  private final int total;
  private final int doneBefore;
  private final long start;
  private long lastShown;

  /**
   * @param total lines in the input that will have an output line
   * @param doneBefore of those, how many the output already had
   */
  Progress(PrintStream out, boolean terminal, LongSupplier nanoTime, int total, int doneBefore) {
    this.out = out;
    this.terminal = terminal;
    this.nanoTime = nanoTime;
    this.total = total;
    this.doneBefore = doneBefore;
    this.start = nanoTime.getAsLong();
    this.lastShown = start;
  }

  /** Shows {@code done} (output lines, earlier runs included) if it is time to. */
  void update(int done) {
    long now = nanoTime.getAsLong();
    long every = terminal ? Duration.ofMillis(200).toNanos() : Duration.ofSeconds(PLAIN_EVERY_SECONDS).toNanos();
    if (now - lastShown >= every) {
      lastShown = now;
      show(done, now);
    }
  }

  /** Shows the final count and ends the bar's line. */
  void finish(int done) {
    show(done, nanoTime.getAsLong());
    if (terminal) {
      out.println();
    }
  }

  private void show(int done, long now) {
    String line = render(done, now);
    if (terminal) {
      out.print("\r" + line + "\u001b[K");
    } else {
      out.println("batch: " + line);
    }
    out.flush();
  }

  /** The progress text: count, percentage, this run's rate and the time left at that rate. */
  String render(int done, long now) {
    double seconds = (now - start) / 1e9;
    int thisRun = done - doneBefore;
    double rate = seconds > 0 ? thisRun / seconds : 0;
    int left = total - done;
    String eta = left == 0 ? "done" : rate > 0 ? "ETA " + clock(Math.round(left / rate)) : "ETA --:--";
    int percent = total == 0 ? 100 : (int) (100L * done / total);
    String counts = String.format("%d/%d (%d%%) %.1f/s %s", done, total, percent, rate, eta);
    if (!terminal) {
      return counts;
    }
    int filled = total == 0 ? BAR_WIDTH : (int) ((long) BAR_WIDTH * done / total);
    return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] " + counts;
  }

  private static String clock(long seconds) {
    return seconds >= 3600
        ? String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format("%d:%02d", seconds / 60, seconds % 60);
  }
}
