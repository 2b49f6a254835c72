package dev.relayworker.pipeline;

import dev.relayworker.config.WorkerConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Makes sure the request, reply, dead-letter and retry topics (and, under a spend cap, the spend
 * ledger; in share mode, the answered topic) exist before the worker starts: creates missing ones when {@code topics.create} allows,
 * otherwise refuses to start, naming them. The stream topic of chunk records is created when
 * allowed, never required.
 * Runs once at start on the calling thread; blocks up to 30 s per broker round trip.
 */
public final class TopicSetup {

  private static final long TIMEOUT_SECONDS = 30;

  private TopicSetup() {}

  /**
   * Waits until every partition of the topics answers at its leader. A freshly created topic
   * shows leaders in metadata a moment before they accept writes; producing then draws
   * NOT_LEADER_OR_FOLLOWER, after which an idempotent producer with several batches in flight
   * can loop on OUT_OF_ORDER_SEQUENCE for its first batch (seen on a one-node KRaft broker).
   * Asking each leader for its end offset proves it serves the partition, without writing.
   */
  public static void awaitLeaders(Admin admin, Set<String> topics) throws InterruptedException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      try {
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        admin.describeTopics(topics).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).values()
            .forEach(topic -> topic.partitions().forEach(partition ->
                partitions.put(new TopicPartition(topic.name(), partition.partition()), OffsetSpec.latest())));
        admin.listOffsets(partitions).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        return;
      } catch (ExecutionException notReadyYet) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
      }
    }
    throw new TimeoutException("partitions of " + topics + " did not get a serving leader within "
        + TIMEOUT_SECONDS + " s");
  }

  /**
   * Creates the worker's missing topics, or refuses to start naming them. The retry topic is made
   * with as many partitions as the request topic has, so the two scale together; the others with
   * {@code topics.partitions}.
   */
  public static void ensure(Admin admin, WorkerConfig config) {
    String requestTopic = config.getString(WorkerConfig.REQUEST_TOPIC);
    String retryTopic = WorkerSettings.retryTopic(config);
    String spendTopic = WorkerSettings.spendLedgerTopic(config);
    Set<String> needed = new TreeSet<>(List.of(requestTopic, config.getString(WorkerConfig.REPLY_TOPIC),
        config.getString(WorkerConfig.DLQ_TOPIC), retryTopic));
    if (spendTopic != null) {
      needed.add(spendTopic);
    }
    String answeredTopic = config.shareMode() ? config.answeredTopic() : null;
    if (answeredTopic != null) {
      needed.add(answeredTopic);
    }
    // Chunks are a preview: without their topic, streamed requests still get their final reply.
    String streamTopic = config.streamTopicFor(config.getString(WorkerConfig.REPLY_TOPIC));
    if (config.getBoolean(WorkerConfig.TOPICS_CREATE)) {
      needed.add(streamTopic);
    }
    try {
      needed.removeAll(admin.listTopics().names().get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
      if (needed.isEmpty()) {
        return;
      }
      if (!config.getBoolean(WorkerConfig.TOPICS_CREATE)) {
        throw new ConfigException("Topic(s) " + needed + " do not exist; create them, or set "
            + WorkerConfig.TOPICS_CREATE + "=true to let the worker create them");
      }
      short replication = config.getShort(WorkerConfig.TOPICS_REPLICATION_FACTOR);
      int partitions = config.getInt(WorkerConfig.TOPICS_PARTITIONS);
      int retryPartitions = needed.contains(requestTopic) ? partitions : partitionsOf(admin, requestTopic);
      List<NewTopic> topics = needed.stream().map(name -> name.equals(spendTopic)
          ? spendLedger(name, replication)
          : name.equals(answeredTopic) ? answered(name, config.getLong(WorkerConfig.SHARE_ANSWERED_RETENTION_MS),
              replication)
          : name.equals(streamTopic) ? chunks(name, partitions, replication)
          : new NewTopic(name, Optional.of(name.equals(retryTopic) ? retryPartitions : partitions),
              replication < 0 ? Optional.empty() : Optional.of(replication))).toList();
      admin.createTopics(topics).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
      awaitLeaders(admin, needed);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw new IllegalStateException("could not check or create topics " + needed + ": " + e.getCause(), e);
      }
    } catch (TimeoutException e) {
      throw new IllegalStateException("Kafka did not answer within " + TIMEOUT_SECONDS + " s while checking topics "
          + needed + "; is " + WorkerConfig.KAFKA_BOOTSTRAP_SERVERS + " right?", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while checking topics", e);
    }
  }

  /**
   * The spend ledger: one partition (a few small records per commit), compacted to one running
   * total per slot, and slots older than three days deleted (a day's cap reads back two days at
   * most).
   */
  private static NewTopic spendLedger(String name, short replication) {
    return new NewTopic(name, Optional.of(1), replication < 0 ? Optional.empty() : Optional.of(replication))
        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + ","
            + TopicConfig.CLEANUP_POLICY_DELETE, TopicConfig.RETENTION_MS_CONFIG,
            String.valueOf(Duration.ofDays(3).toMillis())));
  }

  /**
   * The share mode's answered records: one partition (a small record per answer, read whole by
   * every worker at start), kept {@code share.answered.retention.ms}.
   */
  private static NewTopic answered(String name, long retentionMs, short replication) {
    return new NewTopic(name, Optional.of(1), replication < 0 ? Optional.empty() : Optional.of(replication))
        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(retentionMs)));
  }

  /** Chunk records are a preview read while the answer is written: a day of them is plenty. */
  private static NewTopic chunks(String name, int partitions, short replication) {
    return new NewTopic(name, Optional.of(partitions), replication < 0 ? Optional.empty() : Optional.of(replication))
        .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(Duration.ofDays(1).toMillis())));
  }

  private static int partitionsOf(Admin admin, String topic)
      throws ExecutionException, TimeoutException, InterruptedException {
    return admin.describeTopics(List.of(topic)).allTopicNames().get(TIMEOUT_SECONDS, TimeUnit.SECONDS).get(topic)
        .partitions().size();
  }
}
