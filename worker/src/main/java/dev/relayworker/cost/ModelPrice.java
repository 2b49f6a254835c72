package dev.relayworker.cost;

/**
 * A model's price as the relays of the one-api family write it. Immutable.
 *
 * @param modelRatio price of a prompt token relative to 0.002 USD per 1K tokens (ratio 1)
 * @param completionRatio price of a completion token relative to a prompt token
 * @param cacheRatio price of a cached prompt token relative to a prompt token (new-api's
 *     {@code cache_ratio}); 1 prices cached tokens as any other, which is what a table that does
 *     not know the model's cache price must assume
 */
public record ModelPrice(double modelRatio, double completionRatio, double cacheRatio) {

  /** One USD per million tokens is model ratio 0.5: ratio 1 is 0.002 USD per 1K, 2 USD per million. */
  static final double USD_PER_MILLION_AT_RATIO_1 = 2.0;
  /** A cached prompt token at the price of any other. */
  static final double NO_CACHE_DISCOUNT = 1.0;

  public ModelPrice {
    if (!finiteAndNotNegative(modelRatio) || !finiteAndNotNegative(completionRatio)
        || !finiteAndNotNegative(cacheRatio)) {
      throw new IllegalArgumentException("ratios must be finite and not negative, were model_ratio " + modelRatio
          + ", completion_ratio " + completionRatio + " and cache_ratio " + cacheRatio);
    }
  }

  /**
   * The same price given as USD per million prompt, completion and cached prompt tokens.
   *
   * @param cachedPrompt USD per million cached prompt tokens, or a negative number when not given
   */
  static ModelPrice ofUsdPerMillion(double prompt, double completion, double cachedPrompt) {
    if (!(prompt > 0)) {
      // A free prompt cannot carry a completion or cache ratio; price completions as their own ratio.
      return new ModelPrice(completion / USD_PER_MILLION_AT_RATIO_1, completion > 0 ? 1 : 0, 0);
    }
    return new ModelPrice(prompt / USD_PER_MILLION_AT_RATIO_1, completion / prompt,
        cachedPrompt < 0 ? NO_CACHE_DISCOUNT : cachedPrompt / prompt);
  }

  private static boolean finiteAndNotNegative(double ratio) {
    return ratio >= 0 && !Double.isInfinite(ratio);
  }
}
