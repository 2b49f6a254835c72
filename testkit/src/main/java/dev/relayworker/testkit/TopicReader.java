package dev.relayworker.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a topic the way a requester would: {@code read_committed}, every partition, from the
 * beginning. Waits are bounded polls, never sleeps.
 */
public final class TopicReader implements AutoCloseable {

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

  public TopicReader(String bootstrapServers, String topic) {
    consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
    List<TopicPartition> partitions = partitions(topic);
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
  }

  /** The topic's partitions, waiting (bounded) for a worker starting elsewhere to create it. */
  private List<TopicPartition> partitions(String topic) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
          .map(info -> new TopicPartition(topic, info.partition())).toList();
      if (!partitions.isEmpty()) {
        return partitions;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("topic " + topic + " did not appear within 30 s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }

  /** Polls until {@code distinct} different keys have been read, or fails after {@code timeout}. */
  public List<ConsumerRecord<byte[], byte[]>> awaitDistinctKeys(int distinct, Duration timeout) {
    return awaitUntil(read -> distinctKeys(read) >= distinct, timeout, distinct + " distinct keys");
  }

  /** Polls until {@code count} records have been read, or fails after {@code timeout}. */
  public List<ConsumerRecord<byte[], byte[]>> awaitRecords(int count, Duration timeout) {
    return awaitUntil(read -> read.size() >= count, timeout, count + " records");
  }

  /** Reads up to the current end of every partition: everything committed so far, exactly. */
  public List<ConsumerRecord<byte[], byte[]>> readToEnd(Duration timeout) {
    Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
    long deadline = System.nanoTime() + timeout.toNanos();
    while (ends.entrySet().stream().anyMatch(end -> consumer.position(end.getKey()) < end.getValue())) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("could not read to the end of the topic within " + timeout);
      }
      consumer.poll(Duration.ofMillis(100)).forEach(records::add);
    }
    return List.copyOf(records);
  }

  private List<ConsumerRecord<byte[], byte[]>> awaitUntil(Function<List<ConsumerRecord<byte[], byte[]>>, Boolean> done,
      Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.apply(records)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("read " + records.size() + " records (" + distinctKeys(records)
            + " distinct keys), not " + what + ", within " + timeout);
      }
      consumer.poll(Duration.ofMillis(100)).forEach(records::add);
    }
    return List.copyOf(records);
  }

  public static int distinctKeys(List<ConsumerRecord<byte[], byte[]>> records) {
    Set<String> keys = new HashSet<>();
    records.forEach(record -> keys.add(key(record)));
    return keys.size();
  }

  public static String key(ConsumerRecord<byte[], byte[]> record) {
    return record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
  }

  public static String value(ConsumerRecord<byte[], byte[]> record) {
    return record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
  }

  /** The last value of a header as UTF-8, or null. */
  public static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    consumer.close(Duration.ofSeconds(5));
  }
}
