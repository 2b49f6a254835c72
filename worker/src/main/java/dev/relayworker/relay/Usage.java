package dev.relayworker.relay;

/**
 * Token counts of one answer, as the relay reported them in {@code usage}, in OpenAI's
 * convention: the cached prompt tokens ({@code prompt_tokens_details.cached_tokens}) are part of
 * {@code prompt_tokens}, the reasoning tokens ({@code completion_tokens_details.reasoning_tokens})
 * part of {@code completion_tokens}. Immutable.
 *
 * @param totalTokens as reported; {@link #within} makes it the sum of prompt and completion
 * @param cachedTokens prompt tokens read from the provider's cache, priced at the model's cache ratio
 * @param reasoningTokens completion tokens spent reasoning, priced as completion tokens
 */
public record Usage(long promptTokens, long completionTokens, long totalTokens, long cachedTokens,
    long reasoningTokens) {

  /** Counts without the details: no cached, no reasoning tokens. */
  public Usage(long promptTokens, long completionTokens, long totalTokens) {
    this(promptTokens, completionTokens, totalTokens, 0, 0);
  }

  /**
   * These counts as the worker may believe them: prompt and completion each within 0 and
   * {@code ceiling}, the total their sum, the cached tokens within 0 and the prompt, the reasoning
   * tokens within 0 and the completion. A relay's numbers price the call and pace the token budget,
   * so a negative count (a refund of tokens), an absurd one (10^12, which would book the budget for
   * decades) or an inconsistent one (more cached tokens than the prompt had) is corrected rather
   * than trusted.
   */
  public Usage within(long ceiling) {
    long prompt = clamp(promptTokens, ceiling);
    long completion = clamp(completionTokens, ceiling);
    return new Usage(prompt, completion, prompt + completion, clamp(cachedTokens, prompt),
        clamp(reasoningTokens, completion));
  }

  /** Whether {@link #within} has to change a count (the total aside, which it always recomputes). */
  public boolean outside(long ceiling) {
    return promptTokens < 0 || completionTokens < 0 || promptTokens > ceiling || completionTokens > ceiling
        || cachedTokens < 0 || cachedTokens > promptTokens || reasoningTokens < 0 || reasoningTokens > completionTokens;
  }

  private static long clamp(long count, long most) {
    return Math.max(0, Math.min(count, most));
  }
}
