package dev.relayworker.cost;

import dev.relayworker.relay.Usage;
import java.math.BigDecimal;

/**
 * What one answered call cost, from the relay's {@code usage}. Immutable.
 *
 * @param model the model it was priced as
 * @param group the key's group (分组), whose ratio multiplies every price
 * @param usage the counts it was priced by, as the worker believes them (cached tokens within the
 *     prompt, reasoning tokens within the completion)
 * @param quota the price in quota units ({@link PriceTable}'s formula); -1 when the price table
 *     knows neither the model nor a {@code *}
 * @param usd {@code quota} in US dollars, exactly; null when unpriced
 * @param byKind how the price splits by kind of token, in USD before the relays' rounding up:
 *     uncached prompt, cached prompt, completion; {@link Kinds#NONE} when unpriced
 */
public record CallCost(String model, String group, Usage usage, long quota, BigDecimal usd, Kinds byKind) {

  /** An unsplit cost (tests, and costs built without a price). */
  public CallCost(String model, String group, Usage usage, long quota, BigDecimal usd) {
    this(model, group, usage, quota, usd, Kinds.NONE);
  }

  /** The parts of a price by kind of token, in USD. */
  public record Kinds(double prompt, double cached, double completion) {
    public static final Kinds NONE = new Kinds(0, 0, 0);
  }

  public boolean priced() {
    return quota >= 0;
  }

  public long promptTokens() {
    return usage.promptTokens();
  }

  public long completionTokens() {
    return usage.completionTokens();
  }

  /** Prompt tokens read from the provider's cache, part of {@link #promptTokens}. */
  public long cachedTokens() {
    return usage.cachedTokens();
  }

  /** Completion tokens spent reasoning, part of {@link #completionTokens}. */
  public long reasoningTokens() {
    return usage.reasoningTokens();
  }

  public long totalTokens() {
    return promptTokens() + completionTokens();
  }
}
