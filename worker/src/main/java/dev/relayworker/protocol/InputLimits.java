package dev.relayworker.protocol;

import dev.relayworker.config.WorkerConfig;

/**
 * How large the parts of a request the worker keeps or echoes may be, so that no record can
 * make it hold more than it meant to: model names (remembered by routing and metrics), header
 * values (echoed, logged, looked up), and the token counts a relay may claim for an answer.
 * Immutable.
 *
 * @param maxModelChars longest {@code model}
 * @param maxHeaderBytes largest value of a header the worker reads
 * @param usageMaxTokens most tokens an answer may claim for its prompt, and for its completion,
 *     unless the request itself allows more
 */
public record InputLimits(int maxModelChars, int maxHeaderBytes, long usageMaxTokens) {

  public static InputLimits from(WorkerConfig config) {
    return new InputLimits(config.getInt(WorkerConfig.REQUEST_MAX_MODEL_CHARS),
        config.getInt(WorkerConfig.REQUEST_MAX_HEADER_BYTES), config.getLong(WorkerConfig.RELAY_USAGE_MAX_TOKENS));
  }

  /** The declared defaults. */
  public static InputLimits defaults() {
    return new InputLimits(WorkerConfig.<Integer>defaultValue(WorkerConfig.REQUEST_MAX_MODEL_CHARS),
        WorkerConfig.<Integer>defaultValue(WorkerConfig.REQUEST_MAX_HEADER_BYTES),
        WorkerConfig.<Long>defaultValue(WorkerConfig.RELAY_USAGE_MAX_TOKENS));
  }
}
