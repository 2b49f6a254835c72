package dev.relayworker.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.pipeline.TopicSetup;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Worker configurations with topics of their own, and a producer of requests, for one test. */
public final class TestWorkers {

  private static final AtomicInteger SEQUENCE = new AtomicInteger();

  public final String bootstrapServers;
  public final String requestTopic;
  public final String replyTopic;
  public final String dlqTopic;
  public final String groupId;
  private final Map<String, Object> settings = new HashMap<>();

  public TestWorkers(KafkaBroker.Running broker, RelaySimulator simulator, String name) {
    String suffix = name + "-" + SEQUENCE.incrementAndGet();
    this.bootstrapServers = broker.bootstrapServers();
    this.requestTopic = "requests." + suffix;
    this.replyTopic = "replies." + suffix;
    this.dlqTopic = "requests.dlq." + suffix;
    this.groupId = "workers-" + suffix;
    settings.put(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS, bootstrapServers);
    settings.put(WorkerConfig.GROUP_ID, groupId);
    settings.put(WorkerConfig.REQUEST_TOPIC, requestTopic);
    settings.put(WorkerConfig.REPLY_TOPIC, replyTopic);
    settings.put(WorkerConfig.DLQ_TOPIC, dlqTopic);
    settings.put(WorkerConfig.REPLY_TOPIC_ALLOWED_PATTERN, "replies\\..*");
    settings.put(WorkerConfig.TOPICS_PARTITIONS, "4");
    settings.put(WorkerConfig.COMMIT_INTERVAL_MS, "100");
    settings.put(WorkerConfig.RELAY_BASE_URL, simulator.baseUri().toString());
    settings.put(WorkerConfig.RELAY_API_KEY, simulator.settings().apiKey());
    settings.put(WorkerConfig.RELAY_RETRY_INITIAL_BACKOFF_MS, "20");
    settings.put(WorkerConfig.RELAY_RETRY_MAX_BACKOFF_MS, "100");
    settings.put(WorkerConfig.RELAY_RETRY_MAX_ATTEMPTS, "4");
    settings.put(WorkerConfig.ADMIN_PORT, "0");
  }

  public TestWorkers with(String key, Object value) {
    settings.put(key, String.valueOf(value));
    return this;
  }

  public WorkerConfig config() {
    return new WorkerConfig(settings);
  }

  /** Creates the request topic up front with this many partitions (the worker creates the rest). */
  public TestWorkers createRequestTopic(int partitions) {
    return createRequestTopic(partitions, Map.of());
  }

  /** Creates the request topic up front with this many partitions and these topic configs. */
  public TestWorkers createRequestTopic(int partitions, Map<String, String> configs) {
    createTopic(requestTopic, partitions, configs);
    return this;
  }

  /** Creates a topic and waits until its leaders serve it. */
  public void createTopic(String topic, int partitions, Map<String, String> configs) {
    try (Admin admin = admin()) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1).configs(configs))).all().get();
      TopicSetup.awaitLeaders(admin, java.util.Set.of(topic));
    } catch (Exception e) {
      throw new IllegalStateException("could not create " + topic, e);
    }
  }

  /**
   * Waits until the broker describes the group with exactly {@code members} members, each holding
   * partitions: a hand-over finished, not one still pending.
   */
  public void awaitMembersHoldingPartitions(int members, Duration wait) {
    try (Admin admin = admin()) {
      Await.until(members + " workers holding partitions", wait, () -> {
        try {
          ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId)).all().get().get(groupId);
          return group.members().size() == members
              && group.members().stream().noneMatch(member -> member.assignment().topicPartitions().isEmpty());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        } catch (ExecutionException e) {
          return false;
        }
      });
    }
  }

  public Admin admin() {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  public KafkaProducer<byte[], byte[]> producer() {
    return producer(Map.of());
  }

  /** A producer of requests with extra settings (a larger max.request.size for oversized records, say). */
  public KafkaProducer<byte[], byte[]> producer(Map<String, Object> overrides) {
    Map<String, Object> settings = new HashMap<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
    settings.putAll(overrides);
    return new KafkaProducer<>(settings);
  }

  /** A request record keyed by {@code id} asking for a short completion of {@code prompt}. */
  public ProducerRecord<byte[], byte[]> request(String id, String prompt) {
    return new ProducerRecord<>(requestTopic, utf8(id), utf8(
        "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"" + prompt + "\",\"max_tokens\":12}"));
  }

  public TopicReader replies() {
    return new TopicReader(bootstrapServers, replyTopic);
  }

  /** Every reply committed so far, as a read_committed reader sees them (read for up to 10 s). */
  public List<ConsumerRecord<byte[], byte[]>> committedReplies() {
    try (TopicReader reader = replies()) {
      return reader.readToEnd(Duration.ofSeconds(10));
    }
  }

  /**
   * One committed reply per request ({@code requests} of them), and the relay called once per
   * prompt it saw: nothing was answered or paid for twice.
   */
  public void assertEachAnsweredOnce(RelaySimulator simulator, int requests, Duration wait) {
    List<ConsumerRecord<byte[], byte[]>> all;
    try (TopicReader reader = replies()) {
      all = reader.readToEnd(wait);
    }
    Map<String, Long> answersPerRequest = all.stream()
        .collect(Collectors.groupingBy(TopicReader::key, Collectors.counting()));
    assertThat(answersPerRequest).hasSize(requests);
    assertThat(answersPerRequest.values()).allMatch(count -> count == 1);
    Map<String, Long> callsPerPrompt = simulator.stats().byPrompt();
    assertThat(callsPerPrompt.values().stream().collect(Collectors.groupingBy(Function.identity(),
        Collectors.counting()))).containsOnlyKeys(1L);
  }

  /** A reader of the chunk records of streamed answers (the reply topic's {@code .stream} sibling). */
  public TopicReader chunks() {
    return new TopicReader(bootstrapServers, replyTopic + ".stream");
  }

  public TopicReader deadLetters() {
    return new TopicReader(bootstrapServers, dlqTopic);
  }

  public static byte[] utf8(String text) {
    return text == null ? null : text.getBytes(StandardCharsets.UTF_8);
  }
}
