package dev.relayworker.pipeline;

import dev.relayworker.config.WorkerConfig;
import java.time.Duration;

/** The poll loop's own settings, read once from {@link WorkerConfig}. Immutable. */
record WorkerSettings(
    String requestTopic,
    String replyTopic,
    String dlqTopic,
    int maxInFlight,
    Duration commitInterval,
    Duration rebalanceDrainTimeout,
    Duration shutdownTimeout,
    boolean exactlyOnce,
    int offsetMetadataMaxBytes) {

  static WorkerSettings from(WorkerConfig config) {
    return new WorkerSettings(
        config.getString(WorkerConfig.REQUEST_TOPIC),
        config.getString(WorkerConfig.REPLY_TOPIC),
        config.getString(WorkerConfig.DLQ_TOPIC),
        config.getInt(WorkerConfig.MAX_IN_FLIGHT),
        Duration.ofMillis(config.getInt(WorkerConfig.COMMIT_INTERVAL_MS)),
        Duration.ofMillis(config.getInt(WorkerConfig.REBALANCE_DRAIN_TIMEOUT_MS)),
        Duration.ofMillis(config.getInt(WorkerConfig.SHUTDOWN_TIMEOUT_MS)),
        WorkerConfig.EXACTLY_ONCE.equals(config.getString(WorkerConfig.DELIVERY_GUARANTEE)),
        config.getInt(WorkerConfig.OFFSET_METADATA_MAX_BYTES));
  }

  /**
   * Records one poll may return: a tenth of the in-flight cap (at most 500), so a poll overshoots
   * the cap by little once partitions resume.
   */
  int maxPollRecords() {
    return Math.max(1, Math.min(500, maxInFlight / 10));
  }

  /** Partitions resume once unanswered requests fall a poll's worth below the cap, so they do not flap. */
  int resumeBelow() {
    return Math.max(1, maxInFlight - maxPollRecords());
  }
}
