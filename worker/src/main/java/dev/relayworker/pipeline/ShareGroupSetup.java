package dev.relayworker.pipeline;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code consumer.mode=share} needs of its share group, settled once at start with the
 * Admin client: the group starts at the log's start (a share group starts at its end unless told
 * otherwise, which would leave every request sent before the first worker joined unanswered), and
 * how many deliveries it allows a record. Settings the operator made on the group are kept.
 * Runs on the calling thread; blocks up to 30 s per broker round trip.
 */
final class ShareGroupSetup {

  private static final Logger log = LoggerFactory.getLogger(ShareGroupSetup.class);
  private static final long TIMEOUT_SECONDS = 30;
  static final String AUTO_OFFSET_RESET = "share.auto.offset.reset";
  static final String DELIVERY_COUNT_LIMIT = "share.delivery.count.limit";
  /** The broker's default for {@link #DELIVERY_COUNT_LIMIT} (group.share.delivery.count.limit). */
  static final int DEFAULT_DELIVERY_LIMIT = 5;

  private ShareGroupSetup() {}

  /**
   * Sets the group's {@code share.auto.offset.reset} to earliest unless it was set, and returns the
   * group's delivery count limit.
   */
  static int prepare(Admin admin, String group) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.GROUP, group);
    try {
      Config config = admin.describeConfigs(List.of(resource)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
          .get(resource);
      ConfigEntry reset = config == null ? null : config.get(AUTO_OFFSET_RESET);
      if (reset == null || reset.source() != ConfigEntry.ConfigSource.DYNAMIC_GROUP_CONFIG) {
        admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
            new ConfigEntry(AUTO_OFFSET_RESET, "earliest"), AlterConfigOp.OpType.SET))))
            .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        log.info("share group {}: {} set to earliest, so requests sent before any worker joined are answered",
            group, AUTO_OFFSET_RESET);
      }
      ConfigEntry limit = config == null ? null : config.get(DELIVERY_COUNT_LIMIT);
      return limit == null || limit.value() == null ? DEFAULT_DELIVERY_LIMIT : Integer.parseInt(limit.value());
    } catch (ExecutionException e) {
      throw new IllegalStateException("could not read or set the configuration of share group " + group
          + " (does the broker serve share groups? Kafka 4.2 or later, share.version=1): " + e.getCause(), e);
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer within " + TIMEOUT_SECONDS + " s while setting up share"
          + " group " + group, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while setting up share group " + group, e);
    } catch (NumberFormatException e) {
      return DEFAULT_DELIVERY_LIMIT;
    }
  }
}
