package dev.relayworker.cost;

/**
 * The most tokens a request can use, counted before it is sent: what a tokens-per-minute budget is
 * charged until the answer's {@code usage} says what was used. Immutable.
 *
 * @param promptTokens the prompt as the model's encoding counts it (or the stand-in for models it does not know)
 * @param completionTokens every completion the request may generate: {@code max(n, best_of) × max_tokens}
 */
public record TokenEstimate(long promptTokens, long completionTokens) {

  public static final TokenEstimate NONE = new TokenEstimate(0, 0);

  public long total() {
    return promptTokens + completionTokens;
  }
}
