package dev.relayworker.requester;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A consumer of the reply topic for a requester ({@code send}, {@code batch}, the demo's and the
 * benchmark's load): assigned every partition, no group, {@code read_committed}, and positioned
 * at the current end before the first request goes out, so no reply to it can be missed and none
 * of the topic's history is read.
 *
 * <p>Runs on the caller's thread; the consumer it returns is the caller's to use on one thread
 * and to close.
 */
public final class ReplyReader {

  private ReplyReader() {}

  /**
   * Opens the reader. A worker starting alongside creates the topic, so it is waited for up to
   * {@code timeout}; fails with {@link IllegalStateException} if it does not appear.
   *
   * @param kafka client settings (bootstrap servers, security); the reader adds what it needs
   */
  public static KafkaConsumer<byte[], byte[]> openAtEnd(Map<String, Object> kafka, String topic, Duration timeout) {
    Map<String, Object> props = new HashMap<>(kafka);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
    List<TopicPartition> partitions = List.of();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (partitions.isEmpty() && System.nanoTime() < deadline) {
      partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
          .map(info -> new TopicPartition(topic, info.partition())).toList();
      if (partitions.isEmpty()) {
        LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
      }
    }
    if (partitions.isEmpty()) {
      consumer.close();
      throw new IllegalStateException("reply topic " + topic + " does not exist; start a worker first");
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    partitions.forEach(consumer::position);
    return consumer;
  }
}
