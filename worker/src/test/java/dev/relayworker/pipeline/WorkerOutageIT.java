package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A relay outage pauses the worker and leaves the requests waiting; nobody gets an error for it. */
@ExtendWith(KafkaBroker.class)
class WorkerOutageIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @Test
  void anOutageIsWaitedOutWithoutErrorReplies(KafkaBroker.Running broker) {
    SimulatorSettings healthy = SimulatorSettings.defaults().withLatency(Duration.ofMillis(10), Duration.ZERO);
    simulator = RelaySimulator.start(healthy.withFault(Fault.SERVER_ERROR, 1.0), 0);
    TestWorkers workers = new TestWorkers(broker, simulator, "outage").createRequestTopic(2)
        .with(WorkerConfig.RELAY_CIRCUIT_MINIMUM_CALLS, 3)
        .with(WorkerConfig.RELAY_CIRCUIT_OPEN_MS, 300)
        .with(WorkerConfig.RELAY_CIRCUIT_HALF_OPEN_CALLS, 1);
    int requests = 40;

    try (Worker worker = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      for (int i = 0; i < requests; i++) {
        producer.send(workers.request("o-" + i, "during outage " + i));
      }
      producer.flush();
      // Several half-open probes fail before the relay comes back.
      Await.until("three circuit cycles of failures", WAIT, () -> simulator.stats().outcome("500") >= 9);
      simulator.reconfigure(healthy);
      try (TopicReader replies = workers.replies()) {
        replies.awaitDistinctKeys(requests, WAIT);
      }
    }

    List<ConsumerRecord<byte[], byte[]>> replies;
    try (TopicReader reader = workers.replies()) {
      replies = reader.readToEnd(WAIT);
    }
    assertThat(replies).hasSize(requests);
    assertThat(replies).allSatisfy(reply -> assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo("ok"));
    // Each request went out once in the first wave; the open circuit then stopped the retries that
    // would otherwise have spent all 4 attempts of every request (160 calls) against a dead relay.
    assertThat(simulator.stats().outcome("500")).isLessThan(2L * requests);
  }
}
