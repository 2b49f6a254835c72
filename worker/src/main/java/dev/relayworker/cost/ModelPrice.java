package dev.relayworker.cost;

/**
 * A model's price as the relays of the one-api family write it. Immutable.
 *
 * @param modelRatio price of a prompt token relative to 0.002 USD per 1K tokens (ratio 1)
 * @param completionRatio price of a completion token relative to a prompt token
 */
public record ModelPrice(double modelRatio, double completionRatio) {

  /** One USD per million tokens is model ratio 0.5: ratio 1 is 0.002 USD per 1K, 2 USD per million. */
  static final double USD_PER_MILLION_AT_RATIO_1 = 2.0;

  public ModelPrice {
    if (!(modelRatio >= 0) || !(completionRatio >= 0) || Double.isInfinite(modelRatio)
        || Double.isInfinite(completionRatio)) {
      throw new IllegalArgumentException("ratios must be finite and not negative, were model_ratio " + modelRatio
          + " and completion_ratio " + completionRatio);
    }
  }

  /** The same price given as USD per million prompt and completion tokens. */
  static ModelPrice ofUsdPerMillion(double prompt, double completion) {
    if (!(prompt > 0)) {
      // A free prompt cannot carry a completion ratio; price completions as their own ratio.
      return new ModelPrice(completion / USD_PER_MILLION_AT_RATIO_1, completion > 0 ? 1 : 0);
    }
    return new ModelPrice(prompt / USD_PER_MILLION_AT_RATIO_1, completion / prompt);
  }
}
