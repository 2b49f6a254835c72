package dev.relayworker.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.AcknowledgementCommitCallback;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.KafkaMetric;

/**
 * A share-group member as the broker and client behave for it in explicit acknowledgement mode,
 * for ShareLoop's unit tests (Kafka's MockShareConsumer does not hand renewed records back): a
 * poll fails while a record of the last poll is unacknowledged; it returns the records the test
 * offered since, and every record renewed at the last poll; an accepted, rejected or released
 * record is not returned again. Every acknowledgement is kept, per offset, in order. Confined to
 * the test thread.
 */
final class FakeShareConsumer implements ShareConsumer<byte[], byte[]> {

  private final List<ConsumerRecord<byte[], byte[]>> offered = new ArrayList<>();
  private final Map<Long, ConsumerRecord<byte[], byte[]>> lastPoll = new LinkedHashMap<>();
  private final Map<Long, AcknowledgeType> acknowledged = new HashMap<>();
  final Map<Long, List<AcknowledgeType>> history = new HashMap<>();
  int polls;
  boolean closed;

  /** A record the broker hands out at the next poll. */
  void offer(ConsumerRecord<byte[], byte[]> record) {
    offered.add(record);
  }

  /** What was said of the record at {@code offset}, in order. */
  List<AcknowledgeType> acknowledgements(long offset) {
    return history.getOrDefault(offset, List.of());
  }

  @Override
  public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
    for (Long offset : lastPoll.keySet()) {
      if (!acknowledged.containsKey(offset)) {
        throw new IllegalStateException("All records must be acknowledged in explicit acknowledgement mode");
      }
    }
    polls++;
    List<ConsumerRecord<byte[], byte[]>> returned = new ArrayList<>();
    lastPoll.forEach((offset, record) -> {
      if (acknowledged.get(offset) == AcknowledgeType.RENEW) {
        returned.add(record);
      }
    });
    returned.addAll(offered);
    offered.clear();
    lastPoll.clear();
    acknowledged.clear();
    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : returned) {
      lastPoll.put(record.offset(), record);
      byPartition.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), key -> new ArrayList<>())
          .add(record);
    }
    return new ConsumerRecords<>(byPartition, Map.of());
  }

  @Override
  public void acknowledge(ConsumerRecord<byte[], byte[]> record, AcknowledgeType type) {
    if (!lastPoll.containsKey(record.offset()) || acknowledged.containsKey(record.offset())) {
      throw new IllegalStateException("record " + record.offset() + " is not waiting to be acknowledged");
    }
    acknowledged.put(record.offset(), type);
    history.computeIfAbsent(record.offset(), key -> new ArrayList<>()).add(type);
  }

  @Override
  public void acknowledge(ConsumerRecord<byte[], byte[]> record) {
    acknowledge(record, AcknowledgeType.ACCEPT);
  }

  @Override
  public void acknowledge(String topic, int partition, long offset, AcknowledgeType type) {
    acknowledge(lastPoll.get(offset), type);
  }

  @Override
  public Set<String> subscription() {
    return Set.of();
  }

  @Override
  public void subscribe(Collection<String> topics) {}

  @Override
  public void unsubscribe() {}

  @Override
  public Map<TopicIdPartition, Optional<KafkaException>> commitSync() {
    return Map.of();
  }

  @Override
  public Map<TopicIdPartition, Optional<KafkaException>> commitSync(Duration timeout) {
    return Map.of();
  }

  @Override
  public void commitAsync() {}

  @Override
  public void setAcknowledgementCommitCallback(AcknowledgementCommitCallback callback) {}

  @Override
  public Uuid clientInstanceId(Duration timeout) {
    return Uuid.ZERO_UUID;
  }

  @Override
  public Optional<Integer> acquisitionLockTimeoutMs() {
    return Optional.of(30_000);
  }

  @Override
  public Map<MetricName, ? extends Metric> metrics() {
    return Map.of();
  }

  @Override
  public void registerMetricForSubscription(KafkaMetric metric) {}

  @Override
  public void unregisterMetricFromSubscription(KafkaMetric metric) {}

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public void close(Duration timeout) {
    closed = true;
  }

  @Override
  public void wakeup() {}
}
