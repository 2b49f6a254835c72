package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaShareConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code consumer.mode=share} on a real broker: workers of one share group all answer records of
 * one partition, each request once; invalid records are answered and rejected; a record answered
 * before is not paid for again; an outage longer than the lock delivers nothing twice; a last
 * delivery is answered.
 */
@ExtendWith(KafkaBroker.class)
class WorkerShareIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    if (simulator != null) {
      simulator.close();
    }
  }

  @Test
  void threeWorkersShareOnePartitionAndAnswerEachRequestOnce(KafkaBroker.Running broker) {
    int requests = 300;
    TestWorkers workers = start(broker, "share-three", Duration.ofMillis(300));
    List<Worker> started = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        started.add(Worker.start(workers.config()));
      }
      try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
        for (int i = 0; i < requests; i++) {
          producer.send(workers.request("s-" + i, "share " + i));
        }
        producer.send(new ProducerRecord<>(workers.requestTopic, "bad".getBytes(StandardCharsets.UTF_8),
            "{not json".getBytes(StandardCharsets.UTF_8)));
      }
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(requests + 1, WAIT);
      }
      // Each takes a third of the key's limits, as the broker counts the group's members.
      Await.until("each worker at a third of the limits", WAIT, () -> started.stream().allMatch(worker ->
          Math.abs(Scrape.fetch(worker.opsPort()).value(Metric.LIMIT_SHARE.prometheusName()) - 1.0 / 3) < 1e-9));
      List<Double> accepted = new ArrayList<>();
      double rejected = 0;
      for (Worker worker : started) {
        Scrape scrape = Scrape.fetch(worker.opsPort());
        accepted.add(scrape.value(Metric.SHARE_ACKNOWLEDGEMENTS.prometheusName(), "type=\"accept\""));
        rejected += scrape.value(Metric.SHARE_ACKNOWLEDGEMENTS.prometheusName(), "type=\"reject\"");
      }
      // Acceptances trail the replies by a renewal round trip; every worker answered a share.
      assertThat(accepted).allMatch(count -> count > 0);
      assertThat(rejected).isLessThanOrEqualTo(1);
    } finally {
      started.forEach(Worker::close);
    }
    workers.assertEachAnsweredOnce(simulator, requests + 1, WAIT);
    try (TopicReader deadLetters = workers.deadLetters()) {
      assertThat(deadLetters.awaitDistinctKeys(1, WAIT)).hasSize(1);
    }
  }

  /**
   * A record answered by a worker that stopped before accepting it comes again with a delivery
   * count of 2: found in the answered topic, it is accepted without a relay call and without a
   * second reply.
   */
  @Test
  void aRecordDeliveredAgainAfterItsAnswerIsAcceptedWithoutACall(KafkaBroker.Running broker) throws Exception {
    TestWorkers workers = start(broker, "share-again", Duration.ofMillis(10));
    String answeredTopic = workers.requestTopic + ".answered";
    workers.createTopic(answeredTopic, 1, Map.of());
    long offset;
    try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      offset = producer.send(workers.request("again-1", "answered before")).get().offset();
      // What the stopped worker committed with its reply.
      producer.send(new ProducerRecord<>(answeredTopic, (workers.requestTopic + "/0/" + offset).getBytes(
          StandardCharsets.UTF_8), "{\"request_id\":\"again-1\",\"outcome\":\"accept\"}".getBytes(
          StandardCharsets.UTF_8))).get();
      producer.send(workers.request("again-2", "never answered")).get();
    }
    earliest(workers);
    deliverOnceAndRelease(workers, 2);

    try (Worker worker = Worker.start(workers.config()); TopicReader replies = workers.replies()) {
      replies.awaitDistinctKeys(1, WAIT);
      Await.until("the answered record accepted", WAIT, () -> Scrape.fetch(worker.opsPort())
          .value(Metric.SHARE_ANSWERED_AGAIN.prometheusName()) >= 1);
      assertThat(Scrape.fetch(worker.opsPort()).value(Metric.SHARE_REDELIVERIES.prometheusName())).isEqualTo(2);
    }
    try (TopicReader replies = workers.replies()) {
      assertThat(replies.readToEnd(WAIT)).extracting(TopicReader::key).containsExactly("again-2");
    }
    assertThat(simulator.stats().callsForPrompt("answered before")).isZero();
    assertThat(simulator.stats().callsForPrompt("never answered")).isEqualTo(1);
  }

  /**
   * A relay outage longer than the lock: the records wait parked with their locks renewed, none
   * is handed out again (to this worker or any other) because of the wait, and each is answered
   * once when the relay is back.
   */
  @Test
  void anOutageLongerThanTheLockRenewsTheLocksAndDeliversNothingTwice(KafkaBroker.Running broker) throws Exception {
    SimulatorSettings healthy = SimulatorSettings.defaults().withLatency(Duration.ofMillis(10), Duration.ZERO);
    simulator = RelaySimulator.start(healthy.withFault(Fault.SERVER_ERROR, 1.0), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "share-outage").createRequestTopic(1)
        .with("consumer.mode", "share")
        .with(WorkerConfig.RELAY_CIRCUIT_MINIMUM_CALLS, 3)
        .with(WorkerConfig.RELAY_CIRCUIT_OPEN_MS, 1_000)
        .with(WorkerConfig.RELAY_CIRCUIT_HALF_OPEN_CALLS, 1);
    groupConfig(workers, "share.record.lock.duration.ms", "15000");
    int requests = 20;
    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      for (int i = 0; i < requests; i++) {
        producer.send(workers.request("out-" + i, "outage " + i));
      }
      producer.flush();
      Await.until("the relay failing", WAIT, () -> simulator.stats().outcome("500") >= 3);
      long since = System.nanoTime();
      // The lock is 15 s: wait past it with every request held.
      Await.until("17 s of outage", WAIT, () -> System.nanoTime() - since > Duration.ofSeconds(17).toNanos());
      simulator.reconfigure(healthy);
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(requests, WAIT);
      }
      Scrape scrape = Scrape.fetch(worker.opsPort());
      assertThat(scrape.value(Metric.SHARE_REDELIVERIES.prometheusName())).isZero();
      assertThat(scrape.value(Metric.SHARE_LOCKS_LOST.prometheusName())).isZero();
      assertThat(scrape.value(Metric.SHARE_ACKNOWLEDGEMENTS.prometheusName(), "type=\"renew\"")).isPositive();
    }
    try (TopicReader replies = workers.replies()) {
      List<ConsumerRecord<byte[], byte[]>> all = replies.readToEnd(WAIT);
      assertThat(all).hasSize(requests);
      assertThat(all).allSatisfy(reply -> assertThat(TopicReader.header(reply, ProtocolHeaders.STATUS))
          .isEqualTo("ok"));
    }
  }

  /**
   * A record on the last delivery its group allows (here the second of two) that the worker
   * cannot finish before it stops is answered deliveries_exhausted, not archived without a reply.
   */
  @Test
  void aLastDeliveryUnfinishedAtAStopIsAnsweredNotArchivedSilently(KafkaBroker.Running broker) throws Exception {
    TestWorkers workers = start(broker, "share-last", Duration.ofSeconds(60))
        .with("shutdown.timeout.ms", 500);
    groupConfig(workers, "share.delivery.count.limit", "2");
    try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      producer.send(workers.request("last-1", "last chance")).get();
    }
    earliest(workers);
    deliverOnceAndRelease(workers, 1);

    try (Worker worker = Worker.start(workers.config())) {
      Await.until("the request at the relay", WAIT, () -> simulator.stats().calls() >= 1);
    }
    try (TopicReader replies = workers.replies()) {
      List<ConsumerRecord<byte[], byte[]>> all = replies.awaitDistinctKeys(1, WAIT);
      assertThat(all).hasSize(1);
      assertThat(TopicReader.header(all.get(0), ProtocolHeaders.ERROR_TYPE)).isEqualTo("deliveries_exhausted");
    }
  }

  /**
   * Takes {@code count} records as another member of the group would, and releases them: their
   * delivery count is now 1.
   */
  private static void deliverOnceAndRelease(TestWorkers workers, int count) {
    Map<String, Object> settings = new HashMap<>();
    settings.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, workers.bootstrapServers);
    settings.put(ConsumerConfig.GROUP_ID_CONFIG, workers.groupId);
    settings.put(ConsumerConfig.SHARE_ACKNOWLEDGEMENT_MODE_CONFIG, "explicit");
    try (KafkaShareConsumer<byte[], byte[]> member = new KafkaShareConsumer<>(settings, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      member.subscribe(List.of(workers.requestTopic));
      int released = 0;
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (released < count && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> record : member.poll(Duration.ofMillis(100))) {
          member.acknowledge(record, AcknowledgeType.RELEASE);
          released++;
        }
        member.commitSync();
      }
      assertThat(released).as("records taken and released").isEqualTo(count);
    }
  }

  private static void earliest(TestWorkers workers) throws Exception {
    groupConfig(workers, "share.auto.offset.reset", "earliest");
  }

  private static void groupConfig(TestWorkers workers, String name, String value) throws Exception {
    try (Admin admin = workers.admin()) {
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, workers.groupId), List.of(
          new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET)))).all().get();
    }
  }

  private TestWorkers start(KafkaBroker.Running broker, String name, Duration latency) {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withLatency(latency, Duration.ZERO), 0);
    return new TestWorkers(broker, simulator, name).createRequestTopic(1)
        .with("consumer.mode", "share")
        // Few calls at once per worker: one worker alone could not keep up, so all three take records.
        .with("relay.max.concurrent.calls", 10)
        .with("worker.max.in.flight", 20)
        .with("shutdown.timeout.ms", 5_000);
  }

}
