package dev.relayworker.cost;

import dev.relayworker.relay.Usage;

/**
 * The prices one key pays: a {@link PriceTable} read for the key's group. Immutable, thread-safe.
 *
 * @param group the key's group (分组), named in replies and metrics
 */
public record Pricing(PriceTable table, String group) {

  /**
   * @throws IllegalArgumentException when the table does not name {@code group}
   */
  public Pricing {
    if (table.groupRatio(group).isEmpty()) {
      throw new IllegalArgumentException("the price table names no group '" + group
          + "'; add it to \"groups\" with its ratio");
    }
  }

  /** The default table, group {@code default}. */
  public static Pricing defaults() {
    return new Pricing(PriceTable.defaults(), "default");
  }

  /** What a call of {@code model} that used {@code usage} cost this key. */
  public CallCost cost(String model, Usage usage) {
    return table.cost(model, group, usage);
  }

  /** Whether the table prices {@code model}, by its name or a {@code *} entry. */
  public boolean prices(String model) {
    return model != null && table.price(model).isPresent();
  }

  /**
   * The most a call of {@code model} that uses at most {@code tokens} tokens can cost: every token
   * at the dearer of the prompt and completion prices, so whatever the split, the call costs no
   * more. -1 when the model is not priced.
   */
  public long worstCase(String model, long tokens) {
    if (!prices(model)) {
      return -1;
    }
    long asPrompt = cost(model, new Usage(tokens, 0, tokens)).quota();
    long asCompletion = cost(model, new Usage(0, tokens, tokens)).quota();
    return Math.max(asPrompt, asCompletion);
  }

  public long quota(double usd) {
    return (long) Math.ceil(usd * table.quotaPerUsd());
  }
}
