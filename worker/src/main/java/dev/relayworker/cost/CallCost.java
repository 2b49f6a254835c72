package dev.relayworker.cost;

import java.math.BigDecimal;

/**
 * What one answered call cost, from the relay's {@code usage}. Immutable.
 *
 * @param model the model it was priced as
 * @param group the key's group (分组), whose ratio multiplies every price
 * @param quota the price in quota units, {@code ceil((prompt + completion × completion_ratio) ×
 *     model_ratio × group_ratio)}; -1 when the price table knows neither the model nor a {@code *}
 * @param usd {@code quota} in US dollars, exactly; null when unpriced
 */
public record CallCost(String model, String group, long promptTokens, long completionTokens, long quota,
    BigDecimal usd) {

  public boolean priced() {
    return quota >= 0;
  }

  public long totalTokens() {
    return promptTokens + completionTokens;
  }
}
