package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.protocol.RequestRules;
import dev.relayworker.resilience.RelayAvailability;
import dev.relayworker.spend.SpendTally;
import dev.relayworker.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The poll thread's decisions, one turn at a time, on Kafka's own mock consumer and producer, a
 * scripted relay and a clock the test moves: back-pressure at the in-flight cap, a partition
 * revoked with requests in flight, a transaction that aborts, and parked requests probing a relay
 * that comes back. (The same paths on a real broker: WorkerFlowIT, WorkerOutageIT,
 * WorkerGroupIT and the crash test.)
 */
class PollLoopTest {

  private static final String REQUESTS = "requests";
  private static final TopicPartition P0 = new TopicPartition(REQUESTS, 0);
  private static final TopicPartition P1 = new TopicPartition(REQUESTS, 1);
  private static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final ScriptedRelay relay = new ScriptedRelay();
  private final WorkerMetrics metrics = new WorkerMetrics(new SimpleMeterRegistry());
  private final LoopParts parts = new LoopParts(clock, metrics);
  private PollLoop loop;

  @AfterEach
  void close() {
    parts.topics.close();
  }

  @Test
  void pausesAtTheInFlightCapAndResumesAPollsWorthBelowIt() {
    start(10, Duration.ofSeconds(10), P0, P1);
    // What a real consumer gets for a cap of 10 (KafkaClients): a quarter of it per poll, so it
    // resumes below 8.
    consumer.setMaxPollRecords(2);
    addRequests(P0, 10);
    addRequests(P1, 10);

    for (int i = 0; i < 30; i++) {
      turn();
    }
    assertThat(relay.calls).as("taken up to the cap and no further").hasSize(10);
    assertThat(consumer.paused()).containsExactlyInAnyOrder(P0, P1);

    relay.answer(0, 0);
    relay.answer(1, 1);
    turn();
    assertThat(consumer.paused()).as("8 held: not yet below a poll's worth under the cap")
        .containsExactlyInAnyOrder(P0, P1);

    relay.answer(2, 2);
    turn();
    assertThat(consumer.paused()).as("7 held").isEmpty();
    assertThat(relay.calls).hasSize(12);
  }

  @Test
  void aRevokedPartitionCommitsWhatFinishedAndLeavesTheRestToItsNextOwner() {
    start(100, Duration.ZERO, P0);
    addRequests(P0, 3);
    turn();
    relay.answer(0, 0);
    relay.answer(2, 2);
    turn();

    consumer.rebalance(List.of());
    relay.answer(1, 1);
    turn();
    advance();
    turn();

    assertThat(replyKeys()).containsExactlyInAnyOrder("r-0-0", "r-0-2");
    OffsetAndMetadata committed = lastCommitted(P0);
    assertThat(committed.offset()).as("the unfinished request is the next owner's").isEqualTo(1);
    assertThat(DoneOffsets.decode(1, committed.metadata()))
        .hasValueSatisfying(done -> assertThat(done.toList()).containsExactly(2L));
  }

  @Test
  void anAbortedTransactionSendsItsRepliesAgainWithoutRewindingOrCallingTheRelayAgain() {
    start(100, Duration.ofSeconds(10), P0);
    addRequests(P0, 4);
    turn();
    relay.answer(0, 3);
    producer.commitTransactionException = new KafkaException("the broker went away");
    long positionBefore = consumer.position(P0);

    advance();
    turn();
    assertThat(producer.transactionAborted()).isTrue();
    assertThat(producer.history()).isEmpty();

    producer.commitTransactionException = null;
    for (int i = 0; i < 5; i++) {
      advance();
      turn();
    }

    assertThat(replyKeys()).containsExactlyInAnyOrder("r-0-0", "r-0-1", "r-0-2", "r-0-3");
    assertThat(lastCommitted(P0).offset()).isEqualTo(4);
    assertThat(consumer.position(P0)).as("never rewound").isEqualTo(positionBefore);
    assertThat(relay.calls).as("one relay call per request").hasSize(4);
  }

  @Test
  void parkedRequestsWaitForTheRelayAndProbeItOneAtATime() {
    parkWhileTheRelayIsDown(3);
    turn();

    assertThat(consumer.paused()).as("requests wait in Kafka while the relay is down").containsExactly(P0);
    assertThat(relay.calls).hasSize(3);
    assertThat(producer.history()).as("an outage is not answered").isEmpty();

    relay.availability = ScriptedRelay.availability(RelayAvailability.State.PROBING);
    turn();
    turn();
    assertThat(relay.calls).as("one probe").hasSize(4);
    assertThat(consumer.paused()).as("probing takes new requests").isEmpty();

    relay.answer(3, 3);
    turn();
    assertThat(relay.calls).as("the next probe once the first came back").hasSize(5);

    relay.availability = ScriptedRelay.availability(RelayAvailability.State.AVAILABLE);
    turn();
    assertThat(relay.calls).as("the rest at once when the relay is back").hasSize(6);
    relay.answer(4, 5);
    advance();
    turn();
    advance();
    turn();

    assertThat(replyKeys()).containsExactlyInAnyOrder("r-0-0", "r-0-1", "r-0-2");
    assertThat(replies()).allSatisfy(reply ->
        assertThat(header(reply, ProtocolHeaders.STATUS)).isEqualTo(ProtocolHeaders.STATUS_OK));
  }

  @Test
  void aParkedRequestWhoseDeadlinePassesIsAnsweredDeadlineExceeded() {
    parkWhileTheRelayIsDown(1);

    clock.advance(Duration.ofMinutes(6));
    turn();
    advance();
    turn();

    assertThat(replies()).singleElement().satisfies(reply ->
        assertThat(header(reply, ProtocolHeaders.ERROR_TYPE)).isEqualTo("deadline_exceeded"));
    assertThat(relay.calls).hasSize(1);
  }

  private void start(int maxInFlight, Duration drainTimeout, TopicPartition... partitions) {
    WorkerSettings settings = new WorkerSettings(REQUESTS, "replies", "dlq", REQUESTS + ".retry", Duration.ofMinutes(5),
        IntakeLimits.forRelay(256, maxInFlight), COMMIT_INTERVAL,
        drainTimeout, Duration.ofSeconds(10), true, 4096, 1.0, false);
    ReplyRouter router = parts.router;
    loop = new PollLoop(consumer, relay, parts.parser, parts.replies, router, settings, clock, clock,
        (mailbox, ledgers) -> new TransactionalDelivery(() -> producer, ledgers, consumer, router, COMMIT_INTERVAL,
            clock, metrics, new DeliveryProgress(), SpendTally.none()), metrics, null);
    loop.open();
    Map<TopicPartition, Long> beginnings = new java.util.HashMap<>();
    for (TopicPartition partition : partitions) {
      beginnings.put(partition, 0L);
    }
    consumer.updateBeginningOffsets(beginnings);
    consumer.rebalance(List.of(partitions));
  }

  /** {@code count} requests taken, refused by the open circuit, and parked. */
  private void parkWhileTheRelayIsDown(int count) {
    start(100, Duration.ofSeconds(10), P0);
    addRequests(P0, count);
    turn();
    relay.availability = ScriptedRelay.availability(RelayAvailability.State.UNAVAILABLE);
    relay.refuseWhileOpen(0, count - 1);
    turn();
  }

  private void turn() {
    loop.turn();
  }

  /** Moves the clock past the commit interval, so the next turn commits. */
  private void advance() {
    clock.advance(COMMIT_INTERVAL);
  }

  /** Puts {@code count} requests on {@code partition}, offsets from 0, keyed {@code r-PARTITION-OFFSET}. */
  private void addRequests(TopicPartition partition, int count) {
    for (int offset = 0; offset < count; offset++) {
      String id = "r-" + partition.partition() + "-" + offset;
      consumer.addRecord(new ConsumerRecord<>(REQUESTS, partition.partition(), offset, clock.millis(),
          TimestampType.CREATE_TIME, 0, 0, utf8(id),
          utf8("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"" + id + "\",\"max_tokens\":4}"),
          new RecordHeaders(), java.util.Optional.empty()));
    }
  }

  private List<ProducerRecord<byte[], byte[]>> replies() {
    return producer.history().stream().filter(record -> record.topic().equals("replies")).toList();
  }

  private List<String> replyKeys() {
    return replies().stream().map(record -> new String(record.key(), StandardCharsets.UTF_8)).toList();
  }

  private OffsetAndMetadata lastCommitted(TopicPartition partition) {
    List<Map<String, Map<TopicPartition, OffsetAndMetadata>>> history = producer.consumerGroupOffsetsHistory();
    for (int i = history.size() - 1; i >= 0; i--) {
      for (Map<TopicPartition, OffsetAndMetadata> offsets : history.get(i).values()) {
        if (offsets.containsKey(partition)) {
          return offsets.get(partition);
        }
      }
    }
    throw new AssertionError("nothing committed for " + partition);
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
