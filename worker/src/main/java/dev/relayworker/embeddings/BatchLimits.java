package dev.relayworker.embeddings;

import dev.relayworker.config.WorkerConfig;
import java.time.Duration;

/**
 * How large a batch of embeddings requests may grow and how long it waits to grow.
 *
 * @param maxInputs most inputs one call carries ({@code embeddings.batch.max.inputs}); 1 sends
 *     every request alone
 * @param maxTokens most input tokens one call carries, as counted before it ({@code embeddings.batch.max.tokens})
 * @param linger longest a request waits for others ({@code embeddings.batch.linger.ms})
 */
public record BatchLimits(int maxInputs, long maxTokens, Duration linger) {

  public BatchLimits {
    if (maxInputs < 1 || maxTokens < 1 || linger.isNegative()) {
      throw new IllegalArgumentException("batch limits must be positive and the linger not negative");
    }
  }

  public static BatchLimits from(WorkerConfig config) {
    return new BatchLimits(config.getInt(WorkerConfig.EMBEDDINGS_BATCH_MAX_INPUTS),
        config.getInt(WorkerConfig.EMBEDDINGS_BATCH_MAX_TOKENS),
        Duration.ofMillis(config.getInt(WorkerConfig.EMBEDDINGS_BATCH_LINGER_MS)));
  }

  /** Whether requests are sent alone, as they come. */
  boolean off() {
    return maxInputs == 1;
  }
}
