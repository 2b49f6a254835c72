package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.TopicReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Workers joining, leaving and restarting mid-run lose nothing, under both group protocols.
 * Graceful moves finish what is in flight before handing over, so nothing is answered twice.
 *
 * <p>The relay is slow enough (about 65 answers a second at 40 in flight) that the run is still
 * going when the second worker holds partitions. The first two tests hand over between settled
 * members; the third stops a worker while a new member's join is still pending, so the rebalance
 * begins during the graceful stop.
 */
@ExtendWith(KafkaBroker.class)
class WorkerGroupIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final int REQUESTS = 600;
  private RelaySimulator simulator;

  @AfterEach
  void stopSimulator() {
    simulator.close();
  }

  @ParameterizedTest(name = "group.protocol={0}")
  @ValueSource(strings = {"classic", "consumer"})
  void aSecondWorkerJoinsAndTheFirstLeavesMidRun(String protocol, KafkaBroker.Running broker) {
    TestWorkers workers = start(broker, "join-leave-" + protocol, protocol);

    try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      produce(workers, producer);
    }
    Worker first = Worker.start(workers.config());
    try (TopicReader replies = workers.replies()) {
      replies.awaitDistinctKeys(REQUESTS / 5, WAIT);
      try (Worker second = Worker.start(workers.config())) {
        workers.awaitMembersHoldingPartitions(2, WAIT);
        first.close();
        replies.awaitDistinctKeys(REQUESTS, WAIT);
      }
    }

    assertEachAnsweredOnce(workers);
  }

  @ParameterizedTest(name = "group.protocol={0}")
  @ValueSource(strings = {"classic", "consumer"})
  void aWorkerStoppedAndRestartedMidRunRepeatsNothing(String protocol, KafkaBroker.Running broker) {
    TestWorkers workers = start(broker, "restart-" + protocol, protocol);

    try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      produce(workers, producer);
    }
    try (Worker worker = Worker.start(workers.config()); TopicReader replies = workers.replies()) {
      replies.awaitDistinctKeys(REQUESTS / 3, WAIT);
    }
    try (Worker restarted = Worker.start(workers.config()); TopicReader replies = workers.replies()) {
      replies.awaitDistinctKeys(REQUESTS, WAIT);
    }

    assertEachAnsweredOnce(workers);
  }

  /**
   * A graceful stop that a join overtakes: the group waits for the stopping member (it is still a
   * member while it finishes what is in flight), whose final commit is accepted under the generation
   * it holds, so the new owner starts after the last answered request and calls the relay for
   * nothing already answered. Checked with the classic protocol's offset commit in a transaction
   * and the consumer protocol's plain commit.
   */
  @ParameterizedTest(name = "group.protocol={0}, delivery.guarantee={1}")
  @CsvSource({"classic, exactly_once", "consumer, at_least_once"})
  void aWorkerStoppedWhileASecondIsJoiningRepeatsNothing(String protocol, String guarantee,
      KafkaBroker.Running broker) {
    // Every call takes 1.5 s or more, so the stop is still finishing calls when the join begins.
    TestWorkers workers = start(broker, "stop-during-join-" + protocol + "-" + guarantee, protocol,
        Duration.ofMillis(1_500)).with("delivery.guarantee", guarantee);

    try (KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      produce(workers, producer, 200);
    }
    Worker first = Worker.start(workers.config());
    try (TopicReader replies = workers.replies()) {
      replies.awaitDistinctKeys(40, WAIT);
      try (Worker second = Worker.start(workers.config())) {
        first.close();
        replies.awaitDistinctKeys(200, WAIT);
      }
    }

    workers.assertEachAnsweredOnce(simulator, 200, WAIT);
  }

  private TestWorkers start(KafkaBroker.Running broker, String name, String protocol) {
    return start(broker, name, protocol, Duration.ofMillis(400));
  }

  private TestWorkers start(KafkaBroker.Running broker, String name, String protocol, Duration latency) {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withLatency(latency, Duration.ofMillis(400)), 0);
    return new TestWorkers(broker, simulator, name).createRequestTopic(4)
        .with("kafka.group.protocol", protocol)
        // A small window keeps work in flight at every moment of the run, rebalances included.
        .with("worker.max.in.flight", 40);
  }

  private static void produce(TestWorkers workers, KafkaProducer<byte[], byte[]> producer) {
    produce(workers, producer, REQUESTS);
  }

  private static void produce(TestWorkers workers, KafkaProducer<byte[], byte[]> producer, int requests) {
    for (int i = 0; i < requests; i++) {
      producer.send(workers.request("g-" + i, "group " + i));
    }
    producer.flush();
  }

  private void assertEachAnsweredOnce(TestWorkers workers) {
    workers.assertEachAnsweredOnce(simulator, REQUESTS, WAIT);
  }

}
