package dev.relayworker.pipeline;

import static dev.relayworker.testing.TestWorkers.utf8;
import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request whose only route is held does not hold its partition: it is parked, moved to the retry
 * topic once parked longer than {@code request.park.max.ms}, and answered from there once its route
 * takes calls again, exactly once, keyed, routed and correlated as if it had been answered directly;
 * the 2,000 requests behind it on the same partition are answered meanwhile and the partition's
 * committed offset passes them all.
 */
@ExtendWith(KafkaBroker.class)
class WorkerParkingIT {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final int BEHIND = 2_000;
  private final HttpClient http = HttpClient.newHttpClient();

  @ParameterizedTest
  @ValueSource(strings = {WorkerConfig.EXACTLY_ONCE, WorkerConfig.AT_LEAST_ONCE})
  void aRequestParkedBehindAHeldRouteLeavesItsPartitionAndIsAnsweredOnceFromTheRetryTopic(String guarantee,
      KafkaBroker.Running broker) throws Exception {
    try (RelaySimulator open = RelaySimulator.start(SimulatorSettings.defaults(), 0);
        RelaySimulator held = RelaySimulator.start(SimulatorSettings.defaults().withApiKey("sk-not-yet")
            .withModels(Set.of()), 0)) {
      TestWorkers workers = new TestWorkers(broker, open, "parked").createRequestTopic(1)
          .with(WorkerConfig.DELIVERY_GUARANTEE, guarantee)
          .with(WorkerConfig.ROUTES, "open,held")
          .with("route.open.group", "default")
          .with("route.held.group", "default")
          .with("route.held.base.url", held.baseUri())
          .with("route.held.api.key", SimulatorSettings.DEFAULT_KEY)
          .with(WorkerConfig.ROUTING_MODELS, "held-model=held; *=open")
          .with(WorkerConfig.RELAY_KEY_PROBE_INTERVAL_MS, 200)
          .with(WorkerConfig.REQUEST_PARK_MAX_MS, 1_000)
          .with(WorkerConfig.REQUEST_TTL_MS, 600_000);
      ProducerRecord<byte[], byte[]> stuck = new ProducerRecord<>(workers.requestTopic, 0, utf8("stuck"),
          utf8("{\"model\":\"held-model\",\"prompt\":\"wait for me\",\"max_tokens\":4}"));
      stuck.headers().add(ProtocolHeaders.SPRING_CORRELATION_ID, utf8("corr-stuck"));
      stuck.headers().add(ProtocolHeaders.SPRING_REPLY_TOPIC, utf8(workers.replyTopic));

      try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer();
          TopicReader replies = workers.replies()) {
        producer.send(stuck).get();
        for (int i = 0; i < BEHIND; i++) {
          producer.send(new ProducerRecord<>(workers.requestTopic, 0, utf8("behind-" + i),
              workers.request("behind-" + i, "behind " + i).value()));
        }
        producer.flush();
        replies.awaitDistinctKeys(BEHIND, WAIT);
        TopicPartition partition = new TopicPartition(workers.requestTopic, 0);
        Await.until("the partition's committed offset past every request", WAIT,
            () -> committed(workers, partition) == BEHIND + 1);
        double moved = scrape(worker).value(Metric.REQUESTS_MOVED.prometheusName());

        held.reconfigure(held.settings().withApiKey(SimulatorSettings.DEFAULT_KEY));
        replies.awaitDistinctKeys(BEHIND + 1, WAIT);
        List<ConsumerRecord<byte[], byte[]>> all = replies.readToEnd(Duration.ofSeconds(10));

        assertThat(moved).isGreaterThanOrEqualTo(1);
        assertThat(all).as("one reply per request").hasSize(BEHIND + 1);
        ConsumerRecord<byte[], byte[]> answer = all.stream().filter(reply -> TopicReader.key(reply).equals("stuck"))
            .findFirst().orElseThrow();
        assertThat(header(answer, ProtocolHeaders.STATUS)).as(TopicReader.value(answer)).isEqualTo("ok");
        assertThat(header(answer, ProtocolHeaders.RELAY_ROUTE)).isEqualTo("held");
        assertThat(header(answer, ProtocolHeaders.REQUEST_ID)).isEqualTo("stuck");
        assertThat(header(answer, ProtocolHeaders.SPRING_CORRELATION_ID)).isEqualTo("corr-stuck");
        assertThat(all).allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok"));
        assertThat(held.stats().outcome("200")).isEqualTo(1);
        assertThat(worker.failure()).isNull();
      }
    }
  }

  private long committed(TestWorkers workers, TopicPartition partition) {
    try (Admin admin = workers.admin()) {
      Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(workers.groupId)
          .partitionsToOffsetAndMetadata().get();
      OffsetAndMetadata offset = offsets.get(partition);
      return offset == null ? -1 : offset.offset();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    } catch (ExecutionException e) {
      return -1;
    }
  }

  private Scrape scrape(Worker worker) throws Exception {
    return Scrape.of(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + worker.opsPort() + "/metrics"))
        .build(), HttpResponse.BodyHandlers.ofString()).body());
  }
}
