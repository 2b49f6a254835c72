package dev.relayworker.tools.bench;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.protocol.ProtocolHeaders;
import io.confluent.parallelconsumer.ParallelConsumerOptions;
import io.confluent.parallelconsumer.ParallelConsumerOptions.CommitMode;
import io.confluent.parallelconsumer.ParallelConsumerOptions.ProcessingOrder;
import io.confluent.parallelconsumer.ParallelStreamProcessor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The benchmark's peer: the same job done with Confluent's Parallel Consumer, the best-known
 * library for many concurrent calls per partition, written the way its documentation shows. Runs
 * as its own JVM (like the worker, so its CPU is read apart) from the bench's config file, on
 * topics the bench has created: one
 * processing thread per relay slot, each making a blocking HTTP call, the relay's answer produced
 * as the reply with {@code status=ok}; unordered, with the transactional producer under
 * {@code exactly_once} and asynchronous consumer commits under {@code at_least_once}.
 *
 * <p>It does less than the worker: no validation, retries, limits, cost or reply routing. Its
 * figures are what that simplest correct use of the library costs, not a like-for-like feature set.
 */
public final class ParallelConsumerPeer {

  private ParallelConsumerPeer() {}

  /** {@code ParallelConsumerPeer CONFIG}: runs until SIGTERM. */
  public static void main(String[] args) throws Exception {
    Properties config = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      config.load(in);
    }
    String bootstrap = config.getProperty(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS);
    String requests = config.getProperty(WorkerConfig.REQUEST_TOPIC);
    String replies = config.getProperty(WorkerConfig.REPLY_TOPIC);
    int slots = Integer.parseInt(config.getProperty(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS));
    boolean exactlyOnce = WorkerConfig.EXACTLY_ONCE.equals(config.getProperty(WorkerConfig.DELIVERY_GUARANTEE));

    URI relay = URI.create(config.getProperty(WorkerConfig.RELAY_BASE_URL)).resolve("/v1/completions");
    String authorization = "Bearer " + config.getProperty(WorkerConfig.RELAY_API_KEY);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, config.getProperty(WorkerConfig.GROUP_ID),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
    Map<String, Object> producerConfig = new HashMap<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    if (exactlyOnce) {
      producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "peer-" + ProcessHandle.current().pid());
    }
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig);

    ParallelStreamProcessor<byte[], byte[]> processor = ParallelStreamProcessor.createEosStreamProcessor(
        ParallelConsumerOptions.<byte[], byte[]>builder()
            .consumer(consumer)
            .producer(producer)
            .ordering(ProcessingOrder.UNORDERED)
            .maxConcurrency(slots)
            .commitMode(exactlyOnce ? CommitMode.PERIODIC_TRANSACTIONAL_PRODUCER
                : CommitMode.PERIODIC_CONSUMER_ASYNCHRONOUS)
            .build());
    processor.subscribe(List.of(requests));
    processor.pollAndProduce(context -> {
      byte[] key = context.key();
      HttpResponse<byte[]> answer = call(http, relay, authorization, context.value());
      ProducerRecord<byte[], byte[]> reply = new ProducerRecord<>(replies, key, answer.body());
      reply.headers().add(ProtocolHeaders.STATUS,
          (answer.statusCode() == 200 ? ProtocolHeaders.STATUS_OK : ProtocolHeaders.STATUS_ERROR).getBytes(StandardCharsets.UTF_8));
      return reply;
    });

    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      processor.closeDrainFirst();
      stopped.countDown();
    }, "peer-stop"));
    stopped.await();
  }

  private static HttpResponse<byte[]> call(HttpClient http, URI relay, String authorization, byte[] body) {
    try {
      return http.send(HttpRequest.newBuilder(relay)
          .header("Authorization", authorization)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
