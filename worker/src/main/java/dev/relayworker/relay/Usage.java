package dev.relayworker.relay;

/**
 * Token counts of one completion, as the relay reported them in {@code usage}. Immutable.
 *
 * @param totalTokens as reported; {@link #within} makes it the sum of the other two
 */
public record Usage(long promptTokens, long completionTokens, long totalTokens) {

  /**
   * These counts as the worker may believe them: each within 0 and {@code ceiling}, the total
   * their sum. A relay's numbers price the call and pace the token budget, so a negative count (a
   * refund of tokens) or an absurd one (10^12, which would book the budget for decades) is
   * corrected rather than trusted.
   */
  public Usage within(long ceiling) {
    long prompt = Math.max(0, Math.min(promptTokens, ceiling));
    long completion = Math.max(0, Math.min(completionTokens, ceiling));
    return new Usage(prompt, completion, prompt + completion);
  }

  /** Whether {@link #within} has to change a count (the total aside, which it always recomputes). */
  public boolean outside(long ceiling) {
    return promptTokens < 0 || completionTokens < 0 || promptTokens > ceiling || completionTokens > ceiling;
  }
}
