package dev.relayworker.tools.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The loop most people write first, as the benchmark's baseline: poll, call the relay with a
 * blocking request per record, produce the reply, commit. One record at a time per consumer.
 */
final class NaiveWorker {

  private NaiveWorker() {}

  /** Runs the loop for {@code duration} from its first record and returns the completions it published. */
  static int run(String bootstrap, String requestTopic, String replyTopic, URI relay, String key,
      Duration duration) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG, "naive-" + requestTopic,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10,
            ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
            ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class))) {
      consumer.subscribe(List.of(requestTopic));
      int completions = 0;
      // The clock starts at the first record: joining the group takes seconds that are not the loop's.
      long end = Long.MAX_VALUE;
      while (System.nanoTime() < end) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
          if (end == Long.MAX_VALUE) {
            end = System.nanoTime() + duration.toNanos();
          }
          HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(relay.resolve("/v1/completions"))
              .header("Authorization", "Bearer " + key)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofByteArray(record.value())).build(),
              HttpResponse.BodyHandlers.ofByteArray());
          producer.send(new ProducerRecord<>(replyTopic, record.key(), answer.body())).get();
          consumer.commitSync();
          completions++;
          if (System.nanoTime() >= end) {
            break;
          }
        }
      }
      return completions;
    }
  }
}
