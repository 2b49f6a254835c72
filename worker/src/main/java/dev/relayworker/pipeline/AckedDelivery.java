package dev.relayworker.pipeline;

import dev.relayworker.spend.SpendTally;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At-least-once delivery: records go out at once through the {@link ReplyPublisher}; a request is
 * done when the broker acknowledged all of them (or they were given up, see {@link ReplyRouter});
 * the consumer commits finished offsets (with the done-set metadata) every
 * {@code commit.interval.ms}. A crash repeats what was finished but not yet committed.
 *
 * <p>A record Kafka refuses ({@link SendFailure#RECORD}) is replaced by its fallback; any other
 * failure sends it again, unchanged and checked again, after {@value #RETRY_DELAY_MS} ms, for as
 * long as it takes. Poll thread only.
 */
final class AckedDelivery implements Delivery {

  private static final Logger log = LoggerFactory.getLogger(AckedDelivery.class);
  static final long RETRY_DELAY_MS = 1_000;
  private static final int COMMIT_ATTEMPTS = 3;

  private final ReplyPublisher publisher;
  private final Mailbox mailbox;
  private final Ledgers ledgers;
  private final Consumer<byte[], byte[]> consumer;
  private final ReplyRouter router;
  private final Duration commitInterval;
  private final Clock clock;
  private final DeliveryProgress progress;
  private final SpendTally spend;
  private final ArrayDeque<FailedSend> failedSends = new ArrayDeque<>();
  private Instant lastCommit = Instant.EPOCH;
  private int unacknowledged;

  AckedDelivery(ReplyPublisher publisher, Mailbox mailbox, Ledgers ledgers, Consumer<byte[], byte[]> consumer,
      ReplyRouter router, Duration commitInterval, Clock clock, DeliveryProgress progress, SpendTally spend) {
    this.publisher = publisher;
    this.mailbox = mailbox;
    this.ledgers = ledgers;
    this.consumer = consumer;
    this.router = router;
    this.commitInterval = commitInterval;
    this.clock = clock;
    this.progress = progress;
    this.spend = spend;
  }

  @Override
  public void publish(PendingRequest pending, List<Outgoing> records) {
    spend.answered(pending.answer, pending.ledger.partition());
    if (records.isEmpty()) {
      pending.done();
      return;
    }
    pending.unacknowledged += records.size();
    records.forEach(this::send);
  }

  private void send(Outgoing record) {
    unacknowledged++;
    progress.waiting(clock.millis());
    publisher.publish(record.record,
        (metadata, failure) -> mailbox.post(new Mailbox.Task(() -> acknowledged(record, failure))));
  }

  /** The broker acknowledged {@code record}, or refused it with {@code failure}. Poll thread. */
  private void acknowledged(Outgoing record, Exception failure) {
    PendingRequest pending = record.pending;
    unacknowledged--;
    if (pending.ledger.released()) {
      return;
    }
    if (failure == null) {
      progress.progressed(clock.millis(), unacknowledged > 0);
      settled(pending);
      return;
    }
    if (SendFailure.of(failure) == SendFailure.RECORD) {
      Outgoing instead = router.insteadOf(record, failure);
      if (instead == null) {
        settled(pending);
      } else {
        send(instead);
      }
      return;
    }
    log.atWarn().addKeyValue("requestId", pending.logId)
        .log("request {}: publishing to {} failed, sending it again in {} ms: {}", pending.logId, record.topic(),
            RETRY_DELAY_MS, failure.toString());
    failedSends.add(new FailedSend(clock.instant().plusMillis(RETRY_DELAY_MS), record));
  }

  /** One of the request's records is safe or given up; the request is done when all are. */
  private void settled(PendingRequest pending) {
    if (--pending.unacknowledged == 0) {
      pending.done();
    }
  }

  @Override
  public void flush(boolean force, Collection<TopicPartition> partitions) {
    resendDue();
    commit(force, partitions);
  }

  /** Sends again, checked again, the records whose failed send is due for another try. */
  private void resendDue() {
    Instant now = clock.instant();
    while (!failedSends.isEmpty() && !failedSends.peek().due().isAfter(now)) {
      Outgoing record = failedSends.poll().record();
      if (record.pending.ledger.released()) {
        continue;
      }
      Outgoing vetted = router.vet(record);
      if (vetted == null) {
        settled(record.pending);
      } else {
        send(vetted);
      }
    }
  }

  private void commit(boolean force, Collection<TopicPartition> partitions) {
    Instant now = clock.instant();
    if (!force && Duration.between(lastCommit, now).compareTo(commitInterval) < 0) {
      return;
    }
    lastCommit = now;
    writeSpend();
    Map<TopicPartition, OffsetAndMetadata> offsets = ledgers.uncommitted(partitions, Map.of());
    if (offsets.isEmpty()) {
      return;
    }
    if (force) {
      commitSync(offsets);
    } else {
      consumer.commitAsync(offsets, (committed, failure) -> {
        if (failure == null) {
          ledgers.markCommitted(committed);
        } else {
          log.debug("offset commit failed, the next one will cover it: {}", failure.toString());
        }
      });
    }
  }

  /**
   * Sends the spend ledger's new running totals before the offsets they follow are committed. A
   * total that fails is superseded by the slot's next one; until then the ledger is short by it.
   */
  private void writeSpend() {
    if (!spend.hasUnwritten()) {
      return;
    }
    for (ProducerRecord<byte[], byte[]> record : spend.records()) {
      publisher.publish(record, (metadata, failure) -> {
        if (failure != null) {
          log.warn("a spend ledger record could not be written; the ledger is short until its slot's next total: {}",
              failure.toString());
        }
      });
    }
    spend.written();
  }

  private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
    for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
      try {
        consumer.commitSync(offsets);
        ledgers.markCommitted(offsets);
        return;
      } catch (WakeupException e) {
        // A mailbox post meant for poll() landed here; the commit itself is still wanted.
      } catch (CommitFailedException | RebalanceInProgressException e) {
        log.warn("could not commit {} before the partitions moved; their new owner repeats what follows: {}",
            offsets, e.toString());
        return;
      } catch (KafkaException e) {
        log.warn("offset commit failed (attempt {}): {}", attempt, e.toString());
      }
    }
  }

  @Override
  public void forget(Collection<TopicPartition> partitions) {
    failedSends.removeIf(retry -> retry.record().pending.ledger.released());
    spend.forget(partitions);
  }

  @Override
  public void close() {
    publisher.close(Duration.ofSeconds(10));
  }

  private record FailedSend(Instant due, Outgoing record) {}
}
