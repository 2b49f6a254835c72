package dev.relayworker.pipeline;

import dev.relayworker.protocol.ReplyError;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.ReplyRoute;
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
 * done when the broker acknowledged all of them; the consumer commits finished offsets (with the
 * done-set metadata) every {@code commit.interval.ms}. A crash repeats what was finished but not
 * yet committed. Poll thread only.
 */
final class AckedDelivery implements Delivery {

  private static final Logger log = LoggerFactory.getLogger(AckedDelivery.class);
  private static final Duration RETRY_DELAY = Duration.ofSeconds(1);
  private static final int COMMIT_ATTEMPTS = 3;

  private final ReplyPublisher publisher;
  private final Mailbox mailbox;
  private final Ledgers ledgers;
  private final Consumer<byte[], byte[]> consumer;
  private final ReplyRecords replies;
  private final WorkerSettings settings;
  private final Clock clock;
  private final ArrayDeque<FailedSend> failedSends = new ArrayDeque<>();
  private Instant lastCommit = Instant.EPOCH;

  AckedDelivery(ReplyPublisher publisher, Mailbox mailbox, Ledgers ledgers, Consumer<byte[], byte[]> consumer,
      ReplyRecords replies, WorkerSettings settings, Clock clock) {
    this.publisher = publisher;
    this.mailbox = mailbox;
    this.ledgers = ledgers;
    this.consumer = consumer;
    this.replies = replies;
    this.settings = settings;
    this.clock = clock;
  }

  @Override
  public void publish(PendingRequest pending, List<ProducerRecord<byte[], byte[]>> records) {
    pending.unacknowledged += records.size();
    records.forEach(record -> send(pending, record));
  }

  private void send(PendingRequest pending, ProducerRecord<byte[], byte[]> record) {
    publisher.publish(record, (metadata, failure) -> mailbox.post(new Mailbox.Published(pending, record, failure)));
  }

  @Override
  public void published(Mailbox.Published event) {
    PendingRequest pending = event.pending();
    if (pending.ledger.released()) {
      return;
    }
    if (event.failure() == null) {
      if (--pending.unacknowledged == 0) {
        pending.ledger.done(pending.offset());
      }
      return;
    }
    String topic = event.record().topic();
    if (!topic.equals(settings.replyTopic()) && !topic.equals(settings.dlqTopic())) {
      // The requester named a topic we cannot write to: tell them where they will look by default.
      log.warn("request {}: could not publish its reply to requested topic {}: {}", pending.requestId, topic,
          event.failure().toString());
      ReplyRoute fallback = ReplyRoute.defaultTopic(settings.replyTopic(), pending.request.route().correlation());
      send(pending, replies.error(pending.requestId, pending.request.replyKey(), fallback,
          ReplyError.invalid("could not publish the reply to topic '" + topic + "': " + event.failure().getMessage(),
              null), 0, pending.attempts));
    } else {
      log.warn("request {}: publishing to {} failed, retrying in {}: {}", pending.requestId, topic, RETRY_DELAY,
          event.failure().toString());
      failedSends.add(new FailedSend(clock.instant().plus(RETRY_DELAY), pending, event.record()));
    }
  }

  @Override
  public void tick() {
    Instant now = clock.instant();
    while (!failedSends.isEmpty() && !failedSends.peek().due().isAfter(now)) {
      FailedSend retry = failedSends.poll();
      if (!retry.pending().ledger.released()) {
        send(retry.pending(), retry.record());
      }
    }
  }

  @Override
  public void commit(boolean force, Collection<TopicPartition> partitions) {
    Instant now = clock.instant();
    if (!force && Duration.between(lastCommit, now).compareTo(settings.commitInterval()) < 0) {
      return;
    }
    lastCommit = now;
    Map<TopicPartition, OffsetAndMetadata> offsets = ledgers.uncommitted(partitions);
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
    failedSends.removeIf(retry -> retry.pending().ledger.released());
  }

  @Override
  public void close() {
    publisher.close(Duration.ofSeconds(10));
  }

  private record FailedSend(Instant due, PendingRequest pending, ProducerRecord<byte[], byte[]> record) {}
}
