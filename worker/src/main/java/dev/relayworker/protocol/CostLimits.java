package dev.relayworker.protocol;

import dev.relayworker.config.WorkerConfig;

/**
 * What one request may ask the relay to generate, checked before it is sent: every choice,
 * every {@code best_of} candidate and every token of them is paid for. Immutable.
 *
 * @param maxN largest {@code n}
 * @param maxBestOf largest {@code best_of}
 * @param maxTokens largest {@code max_tokens}
 * @param maxPrompts most prompts in an array prompt
 */
public record CostLimits(long maxN, long maxBestOf, long maxTokens, long maxPrompts) {

  public static CostLimits from(WorkerConfig config) {
    return new CostLimits(config.getInt(WorkerConfig.REQUEST_MAX_N), config.getInt(WorkerConfig.REQUEST_MAX_BEST_OF),
        config.getInt(WorkerConfig.REQUEST_MAX_TOKENS), config.getInt(WorkerConfig.REQUEST_MAX_PROMPTS));
  }

  /** No limit beyond what fits in a long; for tests that are about something else. */
  public static CostLimits none() {
    return new CostLimits(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);
  }
}
