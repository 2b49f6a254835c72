package dev.relayworker.spend;

import dev.relayworker.resilience.SpendRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the spend ledger topic back: the running total of every slot (scope, hour, request
 * partition) every worker committed, so that a {@link dev.relayworker.resilience.SpendBudget}
 * starts its windows from what the whole group spent ({@link #spent}) and the owner of a partition
 * continues its running totals ({@link #recorded}). Reads committed records only (an aborted
 * transaction's spend is not counted: its requests are answered again, and that spend is), from
 * the topic's start, then on from where it stopped at each {@link #catchUp}. A record that is not
 * a ledger entry is skipped and counted, never fatal. Slots older than two days are forgotten.
 *
 * <p>Poll thread only (it owns a consumer); {@link #catchUp} blocks up to its timeout.
 */
public final class SpendLedger implements SpendRecord, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SpendLedger.class);
  /** How long a slot is kept: a day's window and the day before it. */
  static final Duration KEPT = Duration.ofDays(2);

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final Clock wall;
  private final Map<SpendEntry.Slot, Long> totals = new HashMap<>();
  private boolean assigned;
  private long skipped;

  /** @param wall the wall clock, to forget slots older than {@link #KEPT} */
  public SpendLedger(Consumer<byte[], byte[]> consumer, String topic, Clock wall) {
    this.consumer = consumer;
    this.topic = topic;
    this.wall = wall;
  }

  /**
   * Reads every record committed to the ledger up to now (its last stable offsets).
   *
   * @return false when {@code timeout} passed first: what was read stands, and the caps may let
   *     this worker spend what the unread records would have told it was spent
   */
  public boolean catchUp(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      assign(timeout);
      Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), timeout);
      while (!reached(end)) {
        if (System.nanoTime() - deadline > 0) {
          log.warn("the spend ledger {} was not read to its end within {} ms; spend caps start from what was read",
              topic, timeout.toMillis());
          return false;
        }
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          apply(record);
        }
      }
      forgetOld();
      return true;
    } catch (KafkaException e) {
      log.warn("the spend ledger {} could not be read ({}); spend caps start from what was read before", topic,
          e.toString());
      return false;
    }
  }

  private void assign(Duration timeout) {
    if (assigned) {
      return;
    }
    List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
    if (partitions == null || partitions.isEmpty()) {
      throw new KafkaException("topic " + topic + " has no partitions");
    }
    List<TopicPartition> all = partitions.stream().map(info -> new TopicPartition(topic, info.partition())).toList();
    consumer.assign(all);
    consumer.seekToBeginning(all);
    assigned = true;
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> partition : end.entrySet()) {
      if (consumer.position(partition.getKey()) < partition.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    SpendEntry.parse(record.value()).ifPresentOrElse(
        // Running totals only grow: a stale writer's smaller total never takes a slot back.
        entry -> totals.merge(entry.slot(), entry.quota(), Math::max),
        () -> {
          if (skipped++ == 0) {
            log.warn("skipping a record at {}-{}@{} of the spend ledger that is not a spend entry", record.topic(),
                record.partition(), record.offset());
          }
        });
  }

  private void forgetOld() {
    Instant oldest = wall.instant().minus(KEPT);
    totals.keySet().removeIf(slot -> slot.hour().isBefore(oldest));
  }

  @Override
  public long spent(String scope, Instant from, Instant to) {
    long sum = 0;
    for (Map.Entry<SpendEntry.Slot, Long> slot : totals.entrySet()) {
      Instant hour = slot.getKey().hour();
      if (slot.getKey().scope().equals(scope) && !hour.isBefore(from) && hour.isBefore(to)) {
        sum += slot.getValue();
      }
    }
    return sum;
  }

  /** The running total the ledger holds for {@code slot}; 0 when none. */
  public long recorded(SpendEntry.Slot slot) {
    return totals.getOrDefault(slot, 0L);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
