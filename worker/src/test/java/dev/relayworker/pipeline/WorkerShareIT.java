package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.metrics.Metric;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code consumer.mode=share} on a real broker: workers of one share group all answer records of
 * one partition, each request once; invalid records are answered and rejected.
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
    assertEachAnsweredOnce(workers, requests + 1);
    try (TopicReader deadLetters = workers.deadLetters()) {
      assertThat(deadLetters.awaitDistinctKeys(1, WAIT)).hasSize(1);
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

  /** One committed reply per request, and the relay called once per valid request. */
  private void assertEachAnsweredOnce(TestWorkers workers, int requests) {
    List<ConsumerRecord<byte[], byte[]>> all;
    try (TopicReader replies = workers.replies()) {
      all = replies.readToEnd(WAIT);
    }
    Map<String, Long> answersPerRequest = all.stream()
        .collect(Collectors.groupingBy(TopicReader::key, Collectors.counting()));
    assertThat(answersPerRequest).hasSize(requests);
    assertThat(answersPerRequest.values()).allMatch(count -> count == 1);
    Map<String, Long> callsPerPrompt = simulator.stats().byPrompt();
    assertThat(callsPerPrompt.values().stream().collect(Collectors.groupingBy(Function.identity(),
        Collectors.counting()))).containsOnlyKeys(1L);
  }
}
