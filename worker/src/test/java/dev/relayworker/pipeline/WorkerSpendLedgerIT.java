package dev.relayworker.pipeline;

import static dev.relayworker.testkit.TopicReader.header;
import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.spend.SpendEntry;
import dev.relayworker.testing.TestWorkers;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.KafkaBroker;
import dev.relayworker.testkit.Scrape;
import dev.relayworker.testkit.TopicReader;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A spend cap is the most the whole group spends in its window, whatever restarts: the spend of
 * every answer is recorded in the compacted spend ledger with the replies, and read back by every
 * worker at start and after every rebalance. davinci-002 in the default table costs one quota per
 * token, and each request here may use about 19 tokens (its prompt and 16 completion tokens), its
 * worst case.
 */
@ExtendWith(KafkaBroker.class)
class WorkerSpendLedgerIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long CAP = 300;
  /** A request's reservation: its prompt (3 or 4 tokens) and 16 completion tokens, rounded up. */
  private static final long WORST_CASE = 20;
  private RelaySimulator simulator;

  @BeforeEach
  void notAtTheEndOfTheDay() {
    // The caps are per UTC day on the real clock: a run across midnight would start a new window.
    Instant now = Instant.now();
    Assumptions.assumeTrue(Duration.between(now, now.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS))
        .compareTo(Duration.ofMinutes(5)) > 0, "less than five minutes to midnight UTC, when the window changes");
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);
  }

  @AfterEach
  void stopSimulator() {
    if (simulator != null) {
      simulator.close();
    }
  }

  @Test
  void aWorkerRestartedInTheWindowSpendsNothingMoreOnceTheCapIsReached(KafkaBroker.Running broker) {
    TestWorkers workers = capped(broker, "ledger-restart");
    long callsBeforeRestart;
    try (Worker first = Worker.start(workers.config()); KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      send(producer, workers, 0, 60);
      awaitHeld(first);
    }
    // Counted once the first worker has stopped: calls it still had in the air when it was held
    // reach the relay's count after that moment, and are the first worker's, not the restart's.
    callsBeforeRestart = simulator.stats().calls();

    try (Worker restarted = Worker.start(workers.config())) {
      awaitHeld(restarted);
      assertThat(simulator.stats().calls()).as("calls after the restart").isEqualTo(callsBeforeRestart);
    }
    long spent = spentByReplies(workers);
    assertThat(spent).isBetween(CAP, CAP + WORST_CASE);
    assertThat(ledgerTotal(workers)).as("the ledger holds what the replies say was spent").isEqualTo(spent);
  }

  @Test
  void twoWorkersOnOneCapStayWithinItTogether(KafkaBroker.Running broker) {
    TestWorkers workers = capped(broker, "ledger-two");
    try (Worker first = Worker.start(workers.config()); Worker second = Worker.start(workers.config());
        KafkaProducer<byte[], byte[]> producer = workers.producer()) {
      workers.awaitMembersHoldingPartitions(2, WAIT);
      send(producer, workers, 0, 120);
      awaitHeld(first);
      awaitHeld(second);
      assertThat(simulator.stats().openCalls()).isZero();
    }

    long spent = spentByReplies(workers);
    // Each worker holds at half of what is left and may overshoot its half by one worst case.
    assertThat(spent).isPositive().isLessThanOrEqualTo(CAP + 2 * WORST_CASE);
    assertThat(ledgerTotal(workers)).isEqualTo(spent);
  }

  private TestWorkers capped(KafkaBroker.Running broker, String name) {
    return new TestWorkers(broker, simulator, name)
        .with(WorkerConfig.BUDGET_QUOTA_PER_DAY, CAP)
        .with(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS, 8)
        // Held requests wait for the next day, not for a stop: do not wait the default 30 s for them.
        .with(WorkerConfig.SHUTDOWN_TIMEOUT_MS, 1_000);
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, TestWorkers workers, int from, int count) {
    for (int i = from; i < from + count; i++) {
      producer.send(new ProducerRecord<>(workers.requestTopic, TestWorkers.utf8("spend-" + i), TestWorkers.utf8(
          "{\"model\":\"davinci-002\",\"prompt\":\"spend " + i + "\",\"max_tokens\":16}")));
    }
    producer.flush();
  }

  /**
   * Until the worker has nothing left under its cap and no call open: it takes no more requests
   * (those it took wait parked, the rest in Kafka) until the window ends.
   */
  private void awaitHeld(Worker worker) {
    Await.until("the spend cap holding the worker's requests", WAIT, () -> {
      Scrape scrape = Scrape.fetch(worker.opsPort());
      return scrape.value(Metric.BUDGET_REMAINING.prometheusName(), "window=\"day\"") == 0
          && simulator.stats().openCalls() == 0;
    });
  }

  private static long spentByReplies(TestWorkers workers) {
    try (TopicReader reader = workers.replies()) {
      return reader.readToEnd(WAIT).stream()
          .map(reply -> header(reply, ProtocolHeaders.COST_QUOTA))
          .mapToLong(Long::parseLong)
          .sum();
    }
  }

  /** The sum of the latest running total of every slot in the ledger topic. */
  private static long ledgerTotal(TestWorkers workers) {
    Map<SpendEntry.Slot, Long> totals = new HashMap<>();
    try (TopicReader reader = new TopicReader(workers.bootstrapServers, workers.requestTopic + ".spend")) {
      List<ConsumerRecord<byte[], byte[]>> records = reader.readToEnd(WAIT);
      records.forEach(record -> SpendEntry.parse(record.value())
          .ifPresent(entry -> totals.merge(entry.slot(), entry.quota(), Math::max)));
    }
    return totals.values().stream().mapToLong(Long::longValue).sum();
  }
}
