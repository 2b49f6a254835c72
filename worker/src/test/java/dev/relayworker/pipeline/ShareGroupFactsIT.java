package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relayworker.testkit.KafkaBroker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What the test broker (the in-JVM kit, or the Kafka container where Docker runs) does for share
 * groups (KIP-932), the ground a share-group mode (issue 28) stands on: it serves them at all (a
 * one-broker container needs the share coordinator's state topic at replication factor 1, as the
 * kit and compose set it); records of one partition go to two members at once; with explicit
 * acknowledgement no poll is allowed while the last poll's records are unacknowledged; a released
 * record is delivered again with its delivery count raised, a renewed one handed back to its member
 * with its count unchanged, a rejected or accepted one never again.
 */
@ExtendWith(KafkaBroker.class)
class ShareGroupFactsIT {

  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Test
  void aSharedPartitionsRecordsGoToTwoMembersAndAreAcknowledgedOneByOne(KafkaBroker.Running broker)
      throws Exception {
    String topic = "share-facts-" + System.nanoTime();
    String group = topic + "-group";
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
      TopicSetup.awaitLeaders(admin, Set.of(topic));
      // A share group starts at the log's end unless told otherwise.
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(
          new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET))))
          .all().get();
    }
    try (KafkaProducer<byte[], byte[]> producer = producer(broker);
        KafkaShareConsumer<byte[], byte[]> first = consumer(broker, group, topic);
        KafkaShareConsumer<byte[], byte[]> second = consumer(broker, group, topic)) {
      send(producer, topic, 0, 10);
      List<ConsumerRecord<byte[], byte[]>> held = pollUntilAny(first);
      send(producer, topic, 10, 10);
      // The first member holds its records unacknowledged; the second gets others of the same partition.
      List<ConsumerRecord<byte[], byte[]>> others = pollUntilAny(second);
      assertThat(offsets(others)).doesNotContainAnyElementsOf(offsets(held));
      assertThat(held).allSatisfy(record -> assertThat(record.deliveryCount()).contains((short) 1));

      assertThatThrownBy(() -> first.poll(POLL)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("acknowledged");

      List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>(held);
      all.addAll(others);
      ConsumerRecord<byte[], byte[]> released = held.get(0);
      first.acknowledge(released, AcknowledgeType.RELEASE);
      boolean renews = held.size() > 2;
      long renewed = renews ? held.get(1).offset() : -1;
      long rejected = renews ? held.get(2).offset() : -1;
      for (int i = 1; i < held.size(); i++) {
        first.acknowledge(held.get(i), !renews ? AcknowledgeType.ACCEPT
            : i == 1 ? AcknowledgeType.RENEW : i == 2 ? AcknowledgeType.REJECT : AcknowledgeType.ACCEPT);
      }
      others.forEach(record -> second.acknowledge(record, AcknowledgeType.ACCEPT));
      first.commitSync();
      second.commitSync();

      // Delivered again: the released record (count 2, to either member), the renewed one (to the
      // first, count 1), and the records neither member has seen yet; never an accepted or rejected one.
      Set<Long> done = new HashSet<>(offsets(all));
      done.remove(released.offset());
      done.remove(renewed);
      Map<Long, Optional<Short>> again = new HashMap<>();
      Map<Long, String> by = new HashMap<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline && !(again.containsKey(released.offset()) && (!renews || again.containsKey(renewed)))) {
        for (KafkaShareConsumer<byte[], byte[]> member : List.of(first, second)) {
          for (ConsumerRecord<byte[], byte[]> record : member.poll(POLL)) {
            assertThat(done).as("offset %d delivered again", record.offset()).doesNotContain(record.offset());
            again.put(record.offset(), record.deliveryCount());
            by.put(record.offset(), member == first ? "first" : "second");
            member.acknowledge(record, AcknowledgeType.ACCEPT);
          }
          member.commitSync();
        }
      }
      assertThat(again.get(released.offset())).contains((short) 2);
      if (renews) {
        assertThat(again.get(renewed)).contains((short) 1);
        assertThat(by.get(renewed)).isEqualTo("first");
        assertThat(again).doesNotContainKey(rejected);
      }
      assertThat(first.acquisitionLockTimeoutMs()).contains(30_000);
    }
  }

  private static List<ConsumerRecord<byte[], byte[]>> pollUntilAny(KafkaShareConsumer<byte[], byte[]> consumer) {
    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (got.isEmpty() && System.nanoTime() < deadline) {
      consumer.poll(POLL).forEach(got::add);
    }
    assertThat(got).as("records within %s", WAIT).isNotEmpty();
    return got;
  }

  private static Set<Long> offsets(List<ConsumerRecord<byte[], byte[]>> records) {
    Set<Long> offsets = new HashSet<>();
    records.forEach(record -> offsets.add(record.offset()));
    return offsets;
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, int from, int count) throws Exception {
    for (int i = from; i < from + count; i++) {
      producer.send(new ProducerRecord<>(topic, ("k" + i).getBytes(), ("v" + i).getBytes()));
    }
    producer.flush();
  }

  private static KafkaProducer<byte[], byte[]> producer(KafkaBroker.Running broker) {
    return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }

  private static KafkaShareConsumer<byte[], byte[]> consumer(KafkaBroker.Running broker, String group, String topic) {
    Map<String, Object> settings = new HashMap<>();
    settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    settings.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    settings.put("share.acknowledgement.mode", "explicit");
    KafkaShareConsumer<byte[], byte[]> consumer = new KafkaShareConsumer<>(settings, new ByteArrayDeserializer(),
        new ByteArrayDeserializer());
    consumer.subscribe(Set.of(topic));
    return consumer;
  }
}
