package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.apache.kafka.clients.consumer.AcknowledgeType.ACCEPT;
import static org.apache.kafka.clients.consumer.AcknowledgeType.REJECT;
import static org.apache.kafka.clients.consumer.AcknowledgeType.RELEASE;
import static org.apache.kafka.clients.consumer.AcknowledgeType.RENEW;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.protocol.RequestRules;
import dev.relayworker.spend.SpendTally;
import dev.relayworker.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import dev.relayworker.tracing.Tracing;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The share loop's acknowledgements, a turn at a time, on a share consumer that holds it to the
 * broker's rules (every record of a poll acknowledged before the next; renewed records handed
 * back), Kafka's mock producer, a scripted relay and a clock the test moves. The same paths on a
 * real broker: WorkerShareIT and ShareCrashIT.
 */
class ShareLoopTest {

  private static final String REQUESTS = "requests";
  private static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T00:00:00Z"));
  private final FakeShareConsumer consumer = new FakeShareConsumer();
  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final ScriptedRelay relay = new ScriptedRelay();
  private final WorkerMetrics metrics = new WorkerMetrics(new SimpleMeterRegistry());
  private final LoopParts parts = new LoopParts(clock, metrics);
  private ShareLoop loop;

  @AfterEach
  void close() {
    parts.topics.close();
  }

  @Test
  void aRecordIsRenewedWhileAtTheRelayAndAcceptedOnceItsReplyIsCommitted() {
    start(5);
    consumer.offer(request(0, 1));
    turn();
    assertThat(relay.calls).hasSize(1);
    assertThat(consumer.acknowledgements(0)).containsExactly(RENEW);

    turn();
    assertThat(consumer.acknowledgements(0)).as("still at the relay").containsExactly(RENEW, RENEW);

    relay.answer(0, 0);
    turn();
    assertThat(replyKeys()).containsExactly("r-0");
    assertThat(answeredKeys()).as("recorded in the reply's transaction").containsExactly("requests/0/0");
    assertThat(consumer.acknowledgements(0)).containsExactly(RENEW, RENEW, ACCEPT);
    assertThat(relay.calls).hasSize(1);
  }

  @Test
  void anInvalidRecordIsRejectedOnceItsErrorReplyAndDeadLetterCopyAreCommitted() {
    start(5);
    consumer.offer(record(0, 1, "not json"));
    turn();
    assertThat(relay.calls).isEmpty();
    turn();

    assertThat(consumer.acknowledgements(0)).containsExactly(RENEW, REJECT);
    assertThat(producer.history()).extracting(ProducerRecord::topic)
        .containsExactlyInAnyOrder("replies", "dlq", "requests.answered");
  }

  @Test
  void pollsAreSpacedWhileRecordsAreHeld() {
    start(5);
    consumer.offer(request(0, 1));
    turn();
    int polls = consumer.polls;

    loop.turn(); // the clock has not moved: no poll is due
    assertThat(consumer.polls).isEqualTo(polls);

    clock.advance(Duration.ofMillis(ShareLoop.TAKING_POLL_INTERVAL_MS));
    loop.turn();
    assertThat(consumer.polls).isEqualTo(polls + 1);
  }

  /**
   * A record delivered again waits (renewed) for the answered topic to be read; read or not within
   * the wait, it is then taken as unanswered.
   */
  @Test
  void aRecordDeliveredAgainWaitsForTheAnsweredTopicThenIsTaken() {
    start(5);
    consumer.offer(request(0, 2));
    turn();
    assertThat(relay.calls).isEmpty();
    assertThat(consumer.acknowledgements(0)).containsExactly(RENEW);

    clock.advance(Duration.ofMillis(ShareLoop.INDEX_WAIT_MS));
    turn();
    assertThat(relay.calls).hasSize(1);
  }

  @Test
  void aStopAcceptsWhatIsAnsweredReleasesNewRecordsAndAnswersALastDeliveryItCannotFinish() {
    start(2);
    consumer.offer(request(1, 2)); // its last delivery of the two the group allows
    turn();
    clock.advance(Duration.ofMillis(ShareLoop.INDEX_WAIT_MS)); // the answered topic is not read in this test
    turn();
    consumer.offer(request(0, 1));
    consumer.offer(request(2, 1));
    turn();
    assertThat(relay.calls).as("r-1, then r-0 and r-2").hasSize(3);
    relay.answer(1, 1);
    turn();
    assertThat(consumer.acknowledgements(0)).containsExactly(RENEW, ACCEPT);
    relay.answer(2, 2);
    turn();
    consumer.offer(request(3, 1));

    loop.stop();
    loop.finishAndClose();

    assertThat(consumer.acknowledgements(2)).as("answered: accepted").endsWith(ACCEPT);
    assertThat(consumer.acknowledgements(3)).as("new at the stop").containsExactly(RELEASE);
    assertThat(replyKeys()).containsExactlyInAnyOrder("r-0", "r-1", "r-2");
    assertThat(producer.history()).filteredOn(record -> "r-1".equals(key(record)) && record.topic().equals("replies"))
        .extracting(record -> header(record, ProtocolHeaders.ERROR_TYPE)).containsExactly("deliveries_exhausted");
    assertThat(relay.calls).as("no call made at the stop").hasSize(3);
    assertThat(consumer.closed).isTrue();
  }

  private void start(int deliveryLimit) {
    WorkerSettings settings = new WorkerSettings(REQUESTS, "replies", "dlq", REQUESTS + ".retry", Duration.ofMinutes(5),
        IntakeLimits.forRelay(256, 100), COMMIT_INTERVAL, Duration.ZERO, Duration.ZERO, true, 4096, 0.0, false);
    ReplyRouter router = parts.router;
    AnsweredRecords answered = new AnsweredRecords(REQUESTS + ".answered");
    loop = new ShareLoop(consumer, relay, parts.parser, parts.replies, router, settings, clock, clock,
        (mailbox, ledgers) -> new TransactionalDelivery(() -> producer, ledgers, null, router, COMMIT_INTERVAL,
            clock, metrics, new DeliveryProgress(), SpendTally.none(), answered),
        new AnsweredIndex(new MockConsumer<>("earliest"), answered.topic(), clock), deliveryLimit,
        new ShareGroupWatch(null, "workers"), metrics, null, null, Tracing.off());
    loop.open();
  }

  /** A turn after the commit interval, so that what is answered is committed and a poll is due. */
  private void turn() {
    clock.advance(COMMIT_INTERVAL);
    loop.turn();
  }

  private ConsumerRecord<byte[], byte[]> request(long offset, int deliveries) {
    return record(offset, deliveries, "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"r-" + offset
        + "\",\"max_tokens\":4}");
  }

  private ConsumerRecord<byte[], byte[]> record(long offset, int deliveries, String value) {
    return new ConsumerRecord<>(REQUESTS, 0, offset, clock.millis(), TimestampType.CREATE_TIME, 0, 0,
        utf8("r-" + offset), utf8(value), new RecordHeaders(), Optional.empty(), Optional.of((short) deliveries));
  }

  private List<String> replyKeys() {
    return producer.history().stream().filter(record -> record.topic().equals("replies")).map(ShareLoopTest::key)
        .toList();
  }

  private List<String> answeredKeys() {
    return producer.history().stream().filter(record -> record.topic().equals("requests.answered"))
        .map(ShareLoopTest::key).toList();
  }

  private static String key(ProducerRecord<byte[], byte[]> record) {
    return new String(record.key(), StandardCharsets.UTF_8);
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    var header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
