package dev.relayworker.pipeline;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListShareGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ShareGroupDescription;
import org.apache.kafka.clients.admin.SharePartitionOffsetInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the broker says of the share group, asked with the Admin client every few seconds: how
 * many members it has (each worker takes that fraction of the key's limits, as a consumer group's
 * worker takes its fraction of the partitions) and its lag per partition (records not yet
 * acknowledged, KIP-1226), for the gauge an autoscaler reads.
 *
 * <p>Threads: {@link #run} on the worker's scheduler thread; {@link #members} and {@link #lag}
 * from any thread. A failed look keeps what the last one found, logged at DEBUG.
 */
final class ShareGroupWatch implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(ShareGroupWatch.class);
  private static final long TIMEOUT_SECONDS = 10;

  private final Admin admin;
  private final String group;
  private final Map<TopicPartition, Long> lag = new ConcurrentHashMap<>();
  private volatile int members;

  ShareGroupWatch(Admin admin, String group) {
    this.admin = admin;
    this.group = group;
  }

  @Override
  public void run() {
    try {
      ShareGroupDescription description = admin.describeShareGroups(List.of(group)).all()
          .get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(group);
      members = description == null ? 0 : description.members().size();
      Map<TopicPartition, SharePartitionOffsetInfo> offsets = admin.listShareGroupOffsets(
          Map.of(group, new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo(group)
          .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      // A partition the group has no state for yet comes without its info.
      offsets.forEach((partition, info) -> {
        if (info != null) {
          info.lag().ifPresent(behind -> lag.put(partition, behind));
        }
      });
      lag.keySet().retainAll(offsets.keySet());
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // Never thrown on: a scheduled task that throws is never run again.
      log.debug("could not describe share group {}: {}", group, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Members of the group at the last look; 0 before the first. */
  int members() {
    return members;
  }

  /** Records not yet acknowledged per partition, at the last look. */
  Map<TopicPartition, Long> lag() {
    return Map.copyOf(lag);
  }
}
