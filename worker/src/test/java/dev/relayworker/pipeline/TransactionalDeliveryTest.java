package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.spend.SpendEntry;
import dev.relayworker.spend.SpendTally;
import dev.relayworker.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The transaction state machine on Kafka's own mock clients (the real-broker behaviour is covered
 * by the worker, robustness and crash tests): what goes into one transaction, and what each kind
 * of failure does. Nothing is ever dropped or sent twice in committed transactions, and only a
 * fenced producer stops the worker.
 */
class TransactionalDeliveryTest {

  private static final TopicPartition PARTITION = new TopicPartition("requests", 0);

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final List<ScriptedProducer> producers = new ArrayList<>();
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final Ledgers ledgers = new Ledgers(4096);
  private final WorkerMetrics metrics = new WorkerMetrics(new SimpleMeterRegistry());
  private final ReplyTopics routes = new ReplyTopics(topics -> Map.of(
      "replies", new ReplyTopics.TopicFacts(4, 1_048_588, null),
      "dlq", new ReplyTopics.TopicFacts(1, 1_048_588, null)), 1_048_576, "none", clock);
  private final ReplyRecords replies = new ReplyRecords("dlq");
  private final ReplyRouter router = new ReplyRouter(routes, new Fallbacks(replies, "replies", () -> 1_048_576), metrics);
  private final DeliveryProgress progress = new DeliveryProgress();
  private final TransactionalDelivery delivery;

  TransactionalDeliveryTest() {
    routes.pin(List.of("replies", "dlq"));
    delivery = new TransactionalDelivery(this::newProducer, ledgers, consumer, router, Duration.ofMillis(100), clock,
        metrics, progress, new SpendTally("requests.spend", slot -> slot.partition() == 0 ? 1_000 : 0, clock));
  }

  @AfterEach
  void closeRoutes() {
    routes.close();
  }

  @Test
  void commitsRepliesAndOffsetsInOneTransaction() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    PendingRequest first = pending(ledger, 0);
    PendingRequest third = pending(ledger, 2);
    pending(ledger, 1);

    publish(first);
    publish(third);
    delivery.flush(true, ledgers.partitions());

    assertThat(producer().transactionCommitted()).isTrue();
    assertThat(producer().history()).hasSize(2);
    OffsetAndMetadata committed = lastCommittedOffset(producer());
    assertThat(committed.offset()).isEqualTo(1);
    assertThat(DoneOffsets.decode(1, committed.metadata()))
        .hasValueSatisfying(done -> assertThat(done.toList()).containsExactly(2L));
    assertThat(progress.waitingSinceMillis()).isZero();
  }

  @Test
  void theSpendOfTheRepliesIsRecordedInTheirTransactionAsRunningTotalsOnceEvenAfterAnAbort() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    PendingRequest first = pending(ledger, 0);
    PendingRequest second = pending(ledger, 1);
    first.answer = answerOnPremium(30);
    second.answer = answerOnPremium(12);
    publish(first);
    publish(second);
    producer().commitTransactionException = new KafkaException("broker went away");
    delivery.flush(true, ledgers.partitions());
    producer().commitTransactionException = null;
    clock.advance(Duration.ofSeconds(1));

    delivery.flush(true, ledgers.partitions());
    List<SpendEntry> firstCommit = spendRecords(producer());
    PendingRequest third = pending(ledger, 2);
    third.answer = answerOnPremium(8);
    publish(third);
    delivery.flush(true, ledgers.partitions());

    // The ledger held 1,000 for the slot; the aborted transaction's records count for nothing.
    assertThat(firstCommit).extracting(SpendEntry::quota).containsExactly(1_042L);
    assertThat(firstCommit.get(0).scope()).isEqualTo("route:premium");
    assertThat(firstCommit.get(0).hour()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
    assertThat(firstCommit.get(0).topic()).isEqualTo("requests");
    assertThat(spendRecords(producer())).extracting(SpendEntry::quota).containsExactly(1_042L, 1_050L);
  }

  /** An answer through route premium that counted {@code quota} against its caps. */
  private static CallResult answerOnPremium(long quota) {
    return new CallResult(null, 1, null, quota, Map.of(), "premium", "vip");
  }

  private static List<SpendEntry> spendRecords(ScriptedProducer producer) {
    return producer.history().stream().filter(record -> record.topic().equals("requests.spend"))
        .map(record -> SpendEntry.parse(record.value()).orElseThrow()).toList();
  }

  @Test
  void aFencedProducerStopsTheWorker() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    publish(pending(ledger, 0));
    producer().fenceProducer();

    assertThatThrownBy(() -> delivery.flush(true, ledgers.partitions()))
        .isInstanceOf(FatalDeliveryException.class);
  }

  @Test
  void aFailedTransactionKeepsItsRepliesForTheNextOneWithoutRewinding() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    publish(pending(ledger, 0));
    producer().commitTransactionException = new KafkaException("broker went away");

    delivery.flush(true, ledgers.partitions());
    assertThat(producer().transactionAborted()).isTrue();
    assertThat(consumer.paused()).isEmpty();
    assertThat(progress.waitingSinceMillis()).isPositive();

    producer().commitTransactionException = null;
    clock.advance(Duration.ofMillis(100));
    delivery.flush(false, ledgers.partitions());
    assertThat(producer().history()).isEmpty(); // Backing off: the first retry waits twice the interval.

    clock.advance(Duration.ofMillis(200));
    delivery.flush(false, ledgers.partitions());
    assertThat(producer().history()).extracting(ProducerRecord::key).containsExactly(Requests.bytes("id-0"));
    assertThat(lastCommittedOffset(producer()).offset()).isEqualTo(1);
    assertThat(producers).hasSize(1);
  }

  @Test
  void aRecordRefusedAsItIsSentIsReplacedAndTheRestCommit() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    PendingRequest big = pending(ledger, 0);
    PendingRequest small = pending(ledger, 1);
    publish(big);
    publish(small);
    producer().refuseAtOnce = record -> record.key() != null && new String(record.key()).equals("id-0")
        && record.headers().lastHeader(ProtocolHeaders.ERROR_TYPE) == null;

    delivery.flush(true, ledgers.partitions());

    List<ProducerRecord<byte[], byte[]>> sent = producer().history();
    assertThat(sent).hasSize(2);
    ProducerRecord<byte[], byte[]> replaced = sent.stream().filter(r -> new String(r.key()).equals("id-0")).findFirst()
        .orElseThrow();
    assertThat(Requests.header(replaced, ProtocolHeaders.ERROR_TYPE)).isEqualTo("reply_too_large");
    assertThat(replaced.topic()).isEqualTo("replies");
    assertThat(lastCommittedOffset(producer()).offset()).isEqualTo(2);
  }

  @Test
  void onlyTheRecordABrokerRefusedIsBlamedNotThoseAbortedWithTheSameError() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    publish(pending(ledger, 0));
    publish(pending(ledger, 1));
    publish(pending(ledger, 2));
    producer().failOnCommit = record -> new String(record.key()).equals("id-1")
        && record.headers().lastHeader(ProtocolHeaders.ERROR_TYPE) == null;

    delivery.flush(true, ledgers.partitions());

    List<ProducerRecord<byte[], byte[]>> committed = producer().history();
    assertThat(committed).extracting(record -> new String(record.key())).containsExactlyInAnyOrder("id-0", "id-1", "id-2");
    assertThat(committed).filteredOn(record -> record.headers().lastHeader(ProtocolHeaders.ERROR_TYPE) != null)
        .extracting(record -> new String(record.key())).containsExactly("id-1");
    assertThat(lastCommittedOffset(producer()).offset()).isEqualTo(3);
  }

  @Test
  void aCommitThatTimesOutIsRetriedAsTheProducerRequires() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    publish(pending(ledger, 0));
    producer().commitTimeouts = 2;

    delivery.flush(true, ledgers.partitions());
    delivery.flush(true, ledgers.partitions());
    assertThat(producer().transactionCommitted()).isFalse();
    delivery.flush(true, ledgers.partitions());

    assertThat(producer().transactionCommitted()).isTrue();
    assertThat(producer().transactionAborted()).isFalse();
    assertThat(producer().commitCalls).isEqualTo(3);
    assertThat(producer().history()).hasSize(1);
    assertThat(producers).hasSize(1);
  }

  @Test
  void anAbortThatFailsRebuildsTheProducerAndLosesNothing() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    publish(pending(ledger, 0));
    producer().commitTransactionException = new KafkaException("coordinator lost");
    producer().abortTransactionException = new KafkaException("producer is in a fatal state");

    delivery.flush(true, ledgers.partitions());
    assertThat(producers).hasSize(2);
    assertThat(producers.get(0).closed()).isTrue();

    delivery.flush(true, ledgers.partitions());
    assertThat(producer().transactionCommitted()).isTrue();
    assertThat(producer().history()).extracting(ProducerRecord::key).containsExactly(Requests.bytes("id-0"));
  }

  @Test
  void anAbortThatTimesOutIsRetriedBeforeAnythingElse() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    publish(pending(ledger, 0));
    producer().commitTransactionException = new KafkaException("abortable");
    producer().abortTimeouts = 1;

    delivery.flush(true, ledgers.partitions());
    assertThat(producer().transactionAborted()).isFalse();
    producer().commitTransactionException = null;
    delivery.flush(true, ledgers.partitions());
    assertThat(producer().abortCalls).isEqualTo(2);
    delivery.flush(true, ledgers.partitions());

    assertThat(producer().transactionCommitted()).isTrue();
    assertThat(producer().history()).hasSize(1);
  }

  @Test
  void dropsQueuedRepliesOfPartitionsTakenAway() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    publish(pending(ledger, 0));
    ledgers.release(List.of(PARTITION));
    delivery.forget(List.of(PARTITION));

    delivery.flush(true, ledgers.partitions());

    assertThat(producer().history()).isEmpty();
  }

  private Producer<byte[], byte[]> newProducer() {
    ScriptedProducer producer = new ScriptedProducer();
    producers.add(producer);
    return producer;
  }

  private ScriptedProducer producer() {
    return producers.get(producers.size() - 1);
  }

  private void publish(PendingRequest pending) {
    delivery.publish(pending, List.of(Outgoing.reply(pending,
        replies.ok(pending.requestId, pending.replyKey, pending.address, Requests.bytes("{}"), 200, 1, null, null))));
  }

  private static PendingRequest pending(PartitionLedger ledger, long offset) {
    return Requests.taken(ledger, offset, ReplyAddress.defaultTopic("replies", Map.of()));
  }

  private static OffsetAndMetadata lastCommittedOffset(MockProducer<byte[], byte[]> producer) {
    List<Map<String, Map<TopicPartition, OffsetAndMetadata>>> history = producer.consumerGroupOffsetsHistory();
    return history.get(history.size() - 1).values().iterator().next().get(PARTITION);
  }



  /**
   * A mock producer that fails as the real one does: a record refused at once gets its callback
   * before send() returns; a record refused by the broker fails at commit, and every record still
   * waiting fails with the very same exception object; a timed-out commit or abort must be
   * called again.
   */
  private static final class ScriptedProducer extends MockProducer<byte[], byte[]> {
    Predicate<ProducerRecord<byte[], byte[]>> refuseAtOnce = record -> false;
    Predicate<ProducerRecord<byte[], byte[]>> failOnCommit = record -> false;
    int commitTimeouts;
    int abortTimeouts;
    int commitCalls;
    int abortCalls;
    private final List<Map.Entry<ProducerRecord<byte[], byte[]>, Callback>> open = new ArrayList<>();
    private boolean inError;

    ScriptedProducer() {
      super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    @Override
    public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> record, Callback callback) {
      if (inError) {
        throw new KafkaException("Cannot execute transactional method because we are in an error state");
      }
      if (refuseAtOnce.test(record)) {
        inError = true;
        RecordTooLargeException refused = new RecordTooLargeException("The message is 2000000 bytes");
        callback.onCompletion(null, refused);
        return java.util.concurrent.CompletableFuture.failedFuture(refused);
      }
      if (failOnCommit.test(record) || !open.isEmpty()) {
        open.add(Map.entry(record, callback));
        return new java.util.concurrent.CompletableFuture<>();
      }
      return super.send(record, callback);
    }

    @Override
    public void commitTransaction() {
      commitCalls++;
      if (commitTimeouts > 0) {
        commitTimeouts--;
        throw new TimeoutException("Timeout expired after 10000ms while awaiting EndTxn(COMMIT)");
      }
      if (inError) {
        throw new KafkaException("Cannot execute transactional method because we are in an error state");
      }
      if (!open.isEmpty()) {
        // The broker refuses one batch; the producer fails everything still waiting with that same object.
        RecordTooLargeException refused = new RecordTooLargeException("The request included a message larger"
            + " than the max message size the server will accept.");
        open.forEach(entry -> entry.getValue().onCompletion(null, refused));
        open.clear();
        inError = true;
        throw refused;
      }
      super.commitTransaction();
    }

    @Override
    public void abortTransaction() {
      abortCalls++;
      if (abortTimeouts > 0) {
        abortTimeouts--;
        throw new TimeoutException("Timeout expired after 10000ms while awaiting EndTxn(ABORT)");
      }
      super.abortTransaction();
      inError = false;
      open.clear();
    }
  }
}
