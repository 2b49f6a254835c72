package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
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
import org.junit.jupiter.api.Test;

/**
 * The transaction mechanics on Kafka's own mock clients (the real-broker behaviour is covered by
 * the worker and crash tests): what goes into one transaction, and what each kind of failure does.
 */
class TransactionalDeliveryTest {

  private static final TopicPartition PARTITION = new TopicPartition("requests", 0);

  private final MockProducer<byte[], byte[]> producer =
      new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final Ledgers ledgers = new Ledgers(4096);
  private final AtomicInteger rewinds = new AtomicInteger();
  private final TransactionalDelivery delivery = new TransactionalDelivery(producer, ledgers, consumer,
      Duration.ofMillis(100), Clock.systemUTC(), rewinds::incrementAndGet);

  @Test
  void commitsRepliesAndOffsetsInOneTransaction() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    PendingRequest first = pending(ledger, 0);
    PendingRequest third = pending(ledger, 2);
    pending(ledger, 1);

    delivery.publish(first, List.of(reply("r0")));
    delivery.publish(third, List.of(reply("r2")));
    delivery.commit(true, ledgers.partitions());

    assertThat(producer.transactionCommitted()).isTrue();
    assertThat(producer.history()).hasSize(2);
    OffsetAndMetadata committed = producer.consumerGroupOffsetsHistory().get(0).values().iterator().next().get(PARTITION);
    assertThat(committed.offset()).isEqualTo(1);
    assertThat(DoneOffsets.decode(1, committed.metadata()))
        .hasValueSatisfying(done -> assertThat(done).containsExactly(2L));
  }

  @Test
  void aFencedProducerStopsTheWorker() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    delivery.publish(pending(ledger, 0), List.of(reply("r0")));
    producer.fenceProducer();

    assertThatThrownBy(() -> delivery.commit(true, ledgers.partitions()))
        .isInstanceOf(FatalDeliveryException.class);
  }

  @Test
  void anyOtherFailureAbortsAndRewinds() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    delivery.publish(pending(ledger, 0), List.of(reply("r0")));
    producer.commitTransactionException = new KafkaException("broker went away");

    delivery.commit(true, ledgers.partitions());

    assertThat(producer.transactionAborted()).isTrue();
    assertThat(rewinds).hasValue(1);
  }

  @Test
  void dropsQueuedRepliesOfPartitionsTakenAway() {
    PartitionLedger ledger = ledgers.open(PARTITION, null);
    delivery.publish(pending(ledger, 0), List.of(reply("r0")));
    ledgers.release(List.of(PARTITION));
    delivery.forget(List.of(PARTITION));

    delivery.commit(true, ledgers.partitions());

    assertThat(producer.history()).isEmpty();
  }

  private PendingRequest pending(PartitionLedger ledger, long offset) {
    ledger.take(offset);
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(PARTITION.topic(), PARTITION.partition(), offset,
        0L, TimestampType.CREATE_TIME, 0, 0, new byte[0], new byte[0], new RecordHeaders(), Optional.empty());
    return new PendingRequest(record, ledger, "id-" + offset, null);
  }

  private static ProducerRecord<byte[], byte[]> reply(String key) {
    return new ProducerRecord<>("replies", key.getBytes(), new byte[0]);
  }
}
