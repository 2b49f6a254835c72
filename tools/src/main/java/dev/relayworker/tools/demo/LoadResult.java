package dev.relayworker.tools.demo;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a {@link LoadRun} saw: requests sent, replies by outcome, tokens, what they cost (the ok
 * replies' {@code cost_usd} headers summed; null when none carried one), ok replies by their
 * {@code object} ({@code text_completion}, {@code chat.completion}), ok replies and cost by the
 * route that answered ({@code relay_route}), and end-to-end latency (reply read minus request
 * sent) percentiles. Immutable.
 */
public record LoadResult(
    int sent,
    int answered,
    int ok,
    Map<String, Integer> errorsByType,
    long promptTokens,
    long completionTokens,
    BigDecimal costUsd,
    Map<String, Integer> okByObject,
    Map<String, RouteTotals> byRoute,
    Duration elapsed,
    Duration latencyP50,
    Duration latencyP95,
    Duration latencyP99,
    List<String> samples) {

  /** What one route answered: ok replies, and their cost in USD (zero when none carried one). */
  public record RouteTotals(int ok, BigDecimal costUsd) {

    RouteTotals plus(RouteTotals other) {
      return new RouteTotals(ok + other.ok, costUsd.add(other.costUsd));
    }
  }

  public int errors() {
    return answered - ok;
  }

  public double repliesPerSecond() {
    return elapsed.isZero() ? 0 : answered / (elapsed.toNanos() / 1e9);
  }

  public boolean everyRequestAnswered() {
    return answered == sent;
  }
}
