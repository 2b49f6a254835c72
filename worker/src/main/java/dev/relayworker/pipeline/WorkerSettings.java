package dev.relayworker.pipeline;

import dev.relayworker.config.WorkerConfig;
import java.time.Duration;

/** The poll loop's own settings, read once from {@link WorkerConfig}. Immutable. */
record WorkerSettings(
    String requestTopic,
    String replyTopic,
    String dlqTopic,
    String retryTopic,
    Duration parkMax,
    IntakeLimits intake,
    Duration commitInterval,
    Duration rebalanceDrainTimeout,
    Duration shutdownTimeout,
    boolean exactlyOnce,
    int offsetMetadataMaxBytes,
    double limitShare,
    boolean parkOverBudget) {

  static WorkerSettings from(WorkerConfig config) {
    return new WorkerSettings(
        config.getString(WorkerConfig.REQUEST_TOPIC),
        config.getString(WorkerConfig.REPLY_TOPIC),
        config.getString(WorkerConfig.DLQ_TOPIC),
        retryTopic(config),
        Duration.ofMillis(config.getInt(WorkerConfig.REQUEST_PARK_MAX_MS)),
        IntakeLimits.forRelay(relaySlots(config), config.getInt(WorkerConfig.MAX_IN_FLIGHT),
            config.getLong(WorkerConfig.MAX_IN_FLIGHT_BYTES)),
        Duration.ofMillis(config.getInt(WorkerConfig.COMMIT_INTERVAL_MS)),
        Duration.ofMillis(config.getInt(WorkerConfig.REBALANCE_DRAIN_TIMEOUT_MS)),
        Duration.ofMillis(config.getInt(WorkerConfig.SHUTDOWN_TIMEOUT_MS)),
        WorkerConfig.EXACTLY_ONCE.equals(config.getString(WorkerConfig.DELIVERY_GUARANTEE)),
        config.getInt(WorkerConfig.OFFSET_METADATA_MAX_BYTES),
        config.getDouble(WorkerConfig.RELAY_LIMIT_SHARE),
        WorkerConfig.PARK.equals(config.getString(WorkerConfig.BUDGET_EXCEEDED_ACTION)));
  }

  /** These settings with {@code parkMax} as the longest a request stays parked before it moves to the retry topic. */
  WorkerSettings withParkMax(Duration longest) {
    return new WorkerSettings(requestTopic, replyTopic, dlqTopic, retryTopic, longest, intake, commitInterval,
        rebalanceDrainTimeout, shutdownTimeout, exactlyOnce, offsetMetadataMaxBytes, limitShare, parkOverBudget);
  }

  /** {@code retry.topic}, or the request topic's name with {@code .retry} added when it is empty. */
  static String retryTopic(WorkerConfig config) {
    String named = config.getString(WorkerConfig.RETRY_TOPIC);
    return named.isBlank() ? config.getString(WorkerConfig.REQUEST_TOPIC) + ".retry" : named;
  }

  /**
   * {@code budget.ledger.topic}, or the request topic's name with {@code .spend} added when it is
   * empty; null when no route has a spend cap, and then there is no ledger.
   */
  static String spendLedgerTopic(WorkerConfig config) {
    if (!config.spendCapped()) {
      return null;
    }
    String named = config.getString(WorkerConfig.BUDGET_LEDGER_TOPIC);
    return named.isBlank() ? config.getString(WorkerConfig.REQUEST_TOPIC) + ".spend" : named;
  }

  /**
   * The relay slots intake keeps busy: the most of any one route, since a request goes to one route
   * at a time and requests of a model go to its first route while it works.
   */
  static int relaySlots(WorkerConfig config) {
    return config.routeNames().stream()
        .mapToInt(route -> config.forRoute(route).getInt(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS)).max().orElseThrow();
  }
}
