package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.testkit.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * docker-compose.yml run for real where a Docker engine answers (CI starts one): the broker, the
 * simulator and three worker containers built from the Dockerfile; requests sent from the host as
 * any Kafka client would; one worker killed part-way. Skipped, saying why, where there is no engine,
 * no docker-compose or no image to build from.
 */
class ComposeScaleIT {

  private static final Logger log = LoggerFactory.getLogger(ComposeScaleIT.class);
  private static final String BOOTSTRAP = "localhost:29092";
  private static final String GROUP = "relay-worker";
  private static final String REQUESTS = "completions.requests";
  private static final String REPLIES = "completions.replies";
  private static final Duration WAIT = Duration.ofSeconds(180);
  private static final int BATCH = 300;

  @Test
  void threeWorkersShareThePartitionsAndAnswerEveryRequestOnceThoughOneIsKilled() {
    String missing = ComposeStack.unavailable();
    Assumptions.assumeTrue(missing == null, () -> "the compose stack cannot run here: " + missing);
    ComposeStack stack = ComposeStack.of("rwscale" + ProcessHandle.current().pid());
    try (stack) {
      long start = System.nanoTime();
      stack.compose(1_200, "up", "-d", "--build", "--scale", "worker=3");
      log.info("docker-compose up --build --scale worker=3: {} s", (System.nanoTime() - start) / 1_000_000_000);
      List<String> workers = stack.containers("worker");
      assertThat(workers).hasSize(3);

      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP));
          KafkaProducer<byte[], byte[]> producer = producer();
          KafkaConsumer<byte[], byte[]> replies = replyReader()) {
        Await.until("three workers sharing every request partition", WAIT, () -> sharedBy(admin, 3));
        Map<String, Integer> answered = new HashMap<>();
        send(producer, "first");
        Await.until(BATCH + " requests answered", WAIT, () -> read(replies, answered) >= BATCH);

        ComposeStack.docker(60, "kill", workers.get(0));
        send(producer, "after-kill");
        Await.until("two workers sharing every request partition", WAIT, () -> sharedBy(admin, 2));
        Await.until(2 * BATCH + " requests answered", WAIT, () -> read(replies, answered) >= 2 * BATCH);
        read(replies, answered);

        assertThat(answered).hasSize(2 * BATCH);
        assertThat(answered.values()).as("one reply per request, read_committed").containsOnly(1);
      }

      String survivor = workers.get(1);
      assertThat(ComposeStack.docker(60, "exec", survivor, "id", "-u")).as("the worker runs as non-root").isNotEqualTo("0");
      assertThat(ComposeStack.docker(60, "exec", survivor, "bash", "-c", "exec 3<>/dev/tcp/" + workers.get(2)
          + "/9400; printf 'GET /health/ready HTTP/1.0\\r\\n\\r\\n' >&3; cat <&3"))
          .as("/health/ready answers inside the network").startsWith("HTTP/1.1 200").contains("UP");
      String heap = ComposeStack.docker(60, "exec", survivor, "java", "-XX:MaxRAMPercentage=75", "-XX:+PrintFlagsFinal",
          "-version");
      long maxHeap = Long.parseLong(heap.lines().filter(line -> line.contains(" MaxHeapSize ")).findFirst()
          .orElseThrow().trim().split("\\s+")[3]);
      assertThat(maxHeap).as("the heap follows the container's 512 MiB limit")
          .isBetween(350L * 1024 * 1024, 400L * 1024 * 1024);
    }
    assertThat(stack.allContainers()).as("down leaves nothing").isEmpty();
  }

  /** Whether {@code members} workers hold every partition of the request topic between them. */
  private static boolean sharedBy(Admin admin, int members) {
    try {
      ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(GROUP)).all().get().get(GROUP);
      // Request partitions only: the workers' retry topic is in the group's assignment too.
      Set<TopicPartition> held = group.members().stream().map(MemberDescription::assignment)
          .flatMap(assignment -> assignment.topicPartitions().stream())
          .filter(partition -> partition.topic().equals(REQUESTS)).collect(Collectors.toSet());
      int partitions = admin.describeTopics(List.of(REQUESTS)).allTopicNames().get().get(REQUESTS).partitions().size();
      return group.members().size() == members && held.size() == partitions
          && group.members().stream().allMatch(member -> !member.assignment().topicPartitions().isEmpty());
    } catch (Exception e) {
      return false;
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String batch) {
    for (int i = 0; i < BATCH; i++) {
      String id = batch + "-" + i + "-" + UUID.randomUUID();
      producer.send(new ProducerRecord<>(REQUESTS, id.getBytes(StandardCharsets.UTF_8),
          ("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"scale " + i + "\",\"max_tokens\":8}")
              .getBytes(StandardCharsets.UTF_8)));
    }
    producer.flush();
  }

  /** Counts the replies read so far by key; returns how many requests have one. */
  private static int read(KafkaConsumer<byte[], byte[]> replies, Map<String, Integer> answered) {
    for (ConsumerRecord<byte[], byte[]> reply : replies.poll(Duration.ofMillis(500))) {
      answered.merge(new String(reply.key(), StandardCharsets.UTF_8), 1, Integer::sum);
    }
    return answered.size();
  }

  private static KafkaProducer<byte[], byte[]> producer() {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }

  private static KafkaConsumer<byte[], byte[]> replyReader() {
    KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP,
        ConsumerConfig.GROUP_ID_CONFIG, "compose-scale-reader-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
    consumer.subscribe(List.of(REPLIES));
    return consumer;
  }
}
