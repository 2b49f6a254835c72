package dev.relayworker.pipeline;

import static dev.relayworker.testing.TestWorkers.utf8;
import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Spring Kafka and SmallRye request/reply headers: routed, correlated, and never echoed as routing. */
@ExtendWith(KafkaBroker.class)
class WorkerReplyRoutingIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @Test
  void springRequestsAreAnsweredOnTheirTopicAndPartitionWithTheCorrelationEchoed(KafkaBroker.Running broker) {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "spring").createRequestTopic(1);
    String replyTopic = workers.replyTopic + ".spring";
    createTopic(workers, replyTopic, 3);
    byte[] correlation = ByteBuffer.allocate(16).putLong(0x0123456789abcdefL).putLong(0xfedcba9876543210L).array();

    ProducerRecord<byte[], byte[]> request = workers.request("spring-1", "from spring");
    request.headers().add(ProtocolHeaders.SPRING_CORRELATION_ID, correlation)
        .add(ProtocolHeaders.SPRING_REPLY_TOPIC, utf8(replyTopic))
        .add(ProtocolHeaders.SPRING_REPLY_PARTITION, ByteBuffer.allocate(4).putInt(2).array());
    ConsumerRecord<byte[], byte[]> reply = requestAndAwait(workers, request, replyTopic);

    assertThat(reply.partition()).isEqualTo(2);
    assertThat(reply.headers().lastHeader(ProtocolHeaders.SPRING_CORRELATION_ID).value()).isEqualTo(correlation);
    assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok");
    assertNoRoutingHeaders(reply);
  }

  @Test
  void smallRyeRequestsWithoutAKeyAreKeyedByTheirCorrelationId(KafkaBroker.Running broker) {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "smallrye").createRequestTopic(1);
    String replyTopic = workers.replyTopic + ".smallrye";
    createTopic(workers, replyTopic, 1);
    String correlation = UUID.randomUUID().toString();

    ProducerRecord<byte[], byte[]> request = new ProducerRecord<>(workers.requestTopic, null,
        utf8("{\"model\":\"davinci-002\",\"prompt\":\"from quarkus\"}"));
    request.headers().add(ProtocolHeaders.SMALLRYE_CORRELATION_ID, utf8(correlation))
        .add(ProtocolHeaders.SMALLRYE_REPLY_TOPIC, utf8(replyTopic))
        .add(ProtocolHeaders.SMALLRYE_REPLY_PARTITION, ByteBuffer.allocate(4).putInt(0).array());
    ConsumerRecord<byte[], byte[]> reply = requestAndAwait(workers, request, replyTopic);

    assertThat(TopicReader.key(reply)).isEqualTo(correlation);
    assertThat(header(reply, ProtocolHeaders.REQUEST_ID)).isEqualTo(correlation);
    assertThat(header(reply, ProtocolHeaders.SMALLRYE_CORRELATION_ID)).isEqualTo(correlation);
    assertNoRoutingHeaders(reply);
  }

  @Test
  void aReplyTopicThatCannotBeWrittenGetsAnErrorOnTheDefaultTopic(KafkaBroker.Running broker) throws Exception {
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "missing-topic").createRequestTopic(1)
        .with("kafka.max.block.ms", 1_000);
    String missing = workers.replyTopic + ".nobody-made-this";

    ProducerRecord<byte[], byte[]> request = workers.request("lost-route", "where to");
    request.headers().add(ProtocolHeaders.SPRING_REPLY_TOPIC, utf8(missing));
    ConsumerRecord<byte[], byte[]> reply = requestAndAwait(workers, request, workers.replyTopic);

    assertThat(header(reply, ProtocolHeaders.ERROR_TYPE)).isEqualTo("invalid_request_error");
    assertThat(TopicReader.value(reply)).contains(missing).contains("not sent to the relay");
    assertThat(header(reply, ProtocolHeaders.ATTEMPTS)).isEqualTo("0");
    assertThat(simulator.stats().callsForPrompt("where to")).as("nothing paid for an undeliverable answer").isZero();
  }

  private static ConsumerRecord<byte[], byte[]> requestAndAwait(TestWorkers workers,
      ProducerRecord<byte[], byte[]> request, String replyTopic) {
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      producer.send(request);
      producer.flush();
      try (TopicReader replies = new TopicReader(workers.bootstrapServers, replyTopic)) {
        List<ConsumerRecord<byte[], byte[]>> records = replies.awaitRecords(1, WAIT);
        return records.get(0);
      }
    }
  }

  private static void assertNoRoutingHeaders(ConsumerRecord<byte[], byte[]> reply) {
    for (Header header : reply.headers()) {
      assertThat(ProtocolHeaders.ROUTING).doesNotContain(header.key());
    }
  }

  private static void createTopic(TestWorkers workers, String topic, int partitions) {
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, workers.bootstrapServers))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      TopicSetup.awaitLeaders(admin, java.util.Set.of(topic));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
