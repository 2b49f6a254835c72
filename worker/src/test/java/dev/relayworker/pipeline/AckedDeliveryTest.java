package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.spend.SpendTally;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * At-least-once delivery on Kafka's mock clients: a request is done once the broker acknowledged
 * every one of its records; a record Kafka refuses is replaced; any other failure sends the same
 * record again after the retry delay. The test thread plays the poll thread, running what the
 * producer's callbacks post to the mailbox.
 */
class AckedDeliveryTest {

  private static final TopicPartition PARTITION = new TopicPartition("requests", 0);
  private static final ReplyAddress HOME = ReplyAddress.defaultTopic("replies", Map.of());

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final Mailbox mailbox = new Mailbox(() -> { });
  private final Ledgers ledgers = new Ledgers(4096);
  private final ReplyTopics routes = new ReplyTopics(topics -> Map.of(
      "replies", new ReplyTopics.TopicFacts(4, 1_048_588, null),
      "dlq", new ReplyTopics.TopicFacts(1, 1_048_588, null)), 1_048_576, "none", clock);
  private final ReplyRecords replies = new ReplyRecords("dlq");
  private final ReplyRouter router = new ReplyRouter(routes, new Fallbacks(replies, "replies", () -> 1_048_576),
      new WorkerMetrics(new SimpleMeterRegistry()));
  private final AckedDelivery delivery = new AckedDelivery(new ReplyPublisher(producer), mailbox, ledgers, consumer,
      router, Duration.ofMillis(100), clock, new DeliveryProgress(), SpendTally.none());
  private final PartitionLedger ledger;

  AckedDeliveryTest() {
    routes.pin(List.of("replies", "dlq"));
    consumer.assign(List.of(PARTITION));
    ledger = ledgers.open(PARTITION, null);
  }

  @AfterEach
  void close() {
    delivery.close();
    routes.close();
  }

  @Test
  void aRequestIsDoneOnceTheBrokerAcknowledgedEveryOneOfItsRecords() {
    PendingRequest pending = Requests.taken(ledger, 0, HOME);
    delivery.publish(pending, List.of(reply(pending), Outgoing.deadLetter(pending,
        replies.deadLetter(pending.record, "not_json", "record value is not valid JSON"))));
    awaitSent(2);

    producer.completeNext();
    runPosted();
    delivery.flush(true, ledgers.partitions());
    assertThat(committedOffset()).as("one of two acknowledged: the offset stays before it").isZero();

    producer.completeNext();
    runPosted();
    delivery.flush(true, ledgers.partitions());
    assertThat(committedOffset()).isEqualTo(1);
  }

  @Test
  void aRecordKafkaRefusesIsReplacedByItsFallback() {
    PendingRequest pending = Requests.taken(ledger, 0, HOME);
    delivery.publish(pending, List.of(Outgoing.reply(pending, replies.ok(pending.requestId, pending.replyKey, HOME,
        new byte[900_000], 200, 1, null, null))));
    awaitSent(1);

    producer.errorNext(new RecordTooLargeException("The message is 900150 bytes when serialized"));
    runPosted();
    awaitSent(2);

    ProducerRecord<byte[], byte[]> instead = producer.history().get(1);
    assertThat(Requests.header(instead, ProtocolHeaders.ERROR_TYPE)).isEqualTo(ErrorType.REPLY_TOO_LARGE.wireName());
    producer.completeNext();
    runPosted();
    delivery.flush(true, ledgers.partitions());
    assertThat(committedOffset()).isEqualTo(1);
  }

  @Test
  void aFailedSendThatIsNotTheRecordsFaultGoesAgainUnchangedAfterTheRetryDelay() {
    PendingRequest pending = Requests.taken(ledger, 0, HOME);
    delivery.publish(pending, List.of(reply(pending)));
    awaitSent(1);

    producer.errorNext(new TimeoutException("Expiring 1 record(s): 120000 ms has passed since batch creation"));
    runPosted();
    clock.advance(Duration.ofMillis(AckedDelivery.RETRY_DELAY_MS - 1));
    delivery.flush(false, ledgers.partitions());
    assertThat(producer.history()).hasSize(1);

    clock.advance(Duration.ofMillis(1));
    delivery.flush(false, ledgers.partitions());
    awaitSent(2);
    assertThat(producer.history().get(1).value()).isEqualTo(producer.history().get(0).value());
    assertThat(committedOffset()).as("not yet acknowledged").isZero();

    producer.completeNext();
    runPosted();
    delivery.flush(true, ledgers.partitions());
    assertThat(committedOffset()).isEqualTo(1);
  }

  private Outgoing reply(PendingRequest pending) {
    return Outgoing.reply(pending, replies.ok(pending.requestId, pending.replyKey, HOME, Requests.bytes("{}"), 200, 1,
        null, null));
  }

  /** What the poll loop does with posted acknowledgements. */
  private void runPosted() {
    for (Mailbox.Event event = mailbox.take(); event != null; event = mailbox.take()) {
      ((Mailbox.Task) event).work().run();
    }
  }

  /** The publisher sends on its own thread. */
  private void awaitSent(int records) {
    Await.until(records + " records sent", Duration.ofSeconds(10), () -> producer.history().size() >= records);
  }

  private Long committedOffset() {
    var committed = consumer.committed(Set.of(PARTITION)).get(PARTITION);
    return committed == null ? null : committed.offset();
  }
}
