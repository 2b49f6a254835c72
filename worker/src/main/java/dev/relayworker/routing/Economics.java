package dev.relayworker.routing;

import dev.relayworker.config.NamedAmounts;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.cost.PriceTable;
import dev.relayworker.cost.Pricing;
import dev.relayworker.resilience.ScopedBudgets;
import dev.relayworker.resilience.SpendBudget;
import java.nio.file.Path;
import java.time.Clock;
import org.apache.kafka.common.config.ConfigException;

/**
 * Reads the price table, the key's group and the spend caps (a route's; callers' and models')
 * from the settings. Fails at start-up,
 * naming the setting, when the table cannot be read or does not know the group. Stateless.
 */
final class Economics {

  private Economics() {}

  static Pricing pricing(WorkerConfig config) {
    String file = config.getString(WorkerConfig.PRICE_TABLE_FILE);
    String group = config.getString(WorkerConfig.RELAY_GROUP);
    double ratio = config.getDouble(WorkerConfig.RELAY_GROUP_RATIO);
    try {
      PriceTable table = file.isBlank() ? PriceTable.defaults() : PriceTable.read(Path.of(file));
      return new Pricing(ratio >= 0 ? table.withGroupRatio(group, ratio) : table, group);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(config.nameOf(WorkerConfig.PRICE_TABLE_FILE) + " / "
          + config.nameOf(WorkerConfig.RELAY_GROUP) + ": " + e.getMessage() + " (or set "
          + config.nameOf(WorkerConfig.RELAY_GROUP_RATIO) + ")");
    }
  }

  /** The caps in quota; where a window has both a USD and a quota cap, the smaller holds. */
  static SpendBudget budget(String route, WorkerConfig config, Pricing pricing, Clock clock) {
    long hour = smaller(pricing.quota(config.getDouble(WorkerConfig.BUDGET_USD_PER_HOUR)),
        config.getLong(WorkerConfig.BUDGET_QUOTA_PER_HOUR));
    long day = smaller(pricing.quota(config.getDouble(WorkerConfig.BUDGET_USD_PER_DAY)),
        config.getLong(WorkerConfig.BUDGET_QUOTA_PER_DAY));
    return new SpendBudget(SpendBudget.routeScope(route), hour, day, pricing.table().quotaPerUsd(), clock);
  }

  /** The caller and model caps, shared by every route. */
  static ScopedBudgets scoped(WorkerConfig config, Clock clock) {
    return ScopedBudgets.of(NamedAmounts.read(config, WorkerConfig.BUDGET_CALLER_USD_PER_HOUR),
        NamedAmounts.read(config, WorkerConfig.BUDGET_CALLER_USD_PER_DAY),
        NamedAmounts.read(config, WorkerConfig.BUDGET_MODEL_USD_PER_HOUR),
        NamedAmounts.read(config, WorkerConfig.BUDGET_MODEL_USD_PER_DAY), clock);
  }

  /** The smaller of two caps, 0 meaning none. */
  private static long smaller(long a, long b) {
    return a == 0 ? b : b == 0 ? a : Math.min(a, b);
  }
}
