package dev.relayworker.pipeline;

import dev.relayworker.pipeline.Mailbox.Event;
import dev.relayworker.pipeline.Mailbox.Published;
import dev.relayworker.pipeline.Mailbox.RelayFinished;
import dev.relayworker.protocol.CompletionRequest;
import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ParsedRecord;
import dev.relayworker.protocol.ReplyError;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.ReplyRoute;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.ResilientRelay;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's heart: the one thread that owns the consumer. Each turn it handles what relay and
 * producer threads posted to the {@link Mailbox}, decides which partitions to pause, commits
 * finished offsets, and polls for more requests, which it parses and hands to the relay without
 * waiting for them.
 *
 * <p>Life of a record: taken (its offset joins the partition's {@link PartitionLedger}), sent to
 * the {@link ResilientRelay}, answered (reply, and for refused records a dead-letter copy, handed
 * to the {@link ReplyPublisher}), and done when the broker acknowledged all it published. Only
 * then can the committed offset move past it.
 *
 * <p>Back-pressure: partitions pause when {@code worker.max.in.flight} requests are held, while the
 * relay's circuit is open, and while the relay asked for a pause; requests then wait in Kafka, not
 * in memory. A request refused because the circuit is open is parked, not answered, and sent again
 * once the circuit lets calls through; only a passed deadline answers it with an error.
 *
 * <p>Threads: {@link #run} on the poll thread; {@link #stop} from any thread.
 */
final class PollLoop implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
  private static final Duration PUBLISH_RETRY_DELAY = Duration.ofSeconds(1);
  private static final int COMMIT_ATTEMPTS = 3;

  private final Consumer<byte[], byte[]> consumer;
  private final ReplyPublisher publisher;
  private final ResilientRelay relay;
  private final RequestParser parser;
  private final ReplyRecords replies;
  private final WorkerSettings settings;
  private final Clock clock;
  private final Mailbox mailbox;
  private final Map<TopicPartition, PartitionLedger> ledgers = new HashMap<>();
  private final ArrayDeque<PendingRequest> parked = new ArrayDeque<>();
  private final ArrayDeque<FailedPublish> failedPublishes = new ArrayDeque<>();
  private volatile boolean stopRequested;
  private boolean closing;
  private boolean paused;
  private boolean relayWasDown;
  private int probesOutstanding;
  private Instant lastCommit = Instant.EPOCH;

  PollLoop(Consumer<byte[], byte[]> consumer, ReplyPublisher publisher, ResilientRelay relay, RequestParser parser,
      ReplyRecords replies, WorkerSettings settings, Clock clock) {
    this.consumer = consumer;
    this.publisher = publisher;
    this.relay = relay;
    this.parser = parser;
    this.replies = replies;
    this.settings = settings;
    this.clock = clock;
    this.mailbox = new Mailbox(consumer::wakeup);
  }

  @Override
  public void run() {
    consumer.subscribe(List.of(settings.requestTopic()), new RebalanceHandler(this));
    try {
      while (!stopRequested) {
        turn();
      }
      finishInFlight();
    } finally {
      closing = true;
      consumer.close();
    }
  }

  /** Asks the loop to stop taking requests, finish those in flight, commit and return. */
  void stop() {
    stopRequested = true;
    consumer.wakeup();
  }

  private void turn() {
    handleEvents();
    updatePause();
    maybeCommit();
    for (ConsumerRecord<byte[], byte[]> record : poll()) {
      take(record);
    }
  }

  /** Handles posted results, retries and parked requests; everything but consuming. */
  private void handleEvents() {
    for (Event event = mailbox.take(); event != null; event = mailbox.take()) {
      handle(event);
    }
    retryFailedPublishes();
    answerExpiredParked();
    resubmitParked();
  }

  private ConsumerRecords<byte[], byte[]> poll() {
    mailbox.pollerWaiting(true);
    try {
      return consumer.poll(mailbox.isEmpty() ? POLL_TIMEOUT : Duration.ZERO);
    } catch (WakeupException e) {
      return ConsumerRecords.empty();
    } finally {
      mailbox.pollerWaiting(false);
    }
  }

  private void take(ConsumerRecord<byte[], byte[]> record) {
    PartitionLedger ledger = ledgers.get(new TopicPartition(record.topic(), record.partition()));
    if (ledger == null) {
      return; // Revoked during this poll; the new owner reads it again.
    }
    ledger.taken(record.offset());
    ParsedRecord parsed = parser.parse(record, clock.instant());
    if (parsed instanceof ParsedRecord.Invalid invalid) {
      PendingRequest pending = new PendingRequest(record, ledger, invalid.requestId(), null);
      log.warn("refused record {}-{}@{} (request {}): {}", record.topic(), record.partition(), record.offset(),
          invalid.requestId(), invalid.error().message());
      publish(pending, List.of(
          replies.error(invalid.requestId(), invalid.replyKey(), invalid.route(), invalid.error(), 0, 0),
          replies.deadLetter(record, invalid.dlqReason(), invalid.error().message())));
    } else {
      CompletionRequest request = ((ParsedRecord.Valid) parsed).request();
      submit(new PendingRequest(record, ledger, request.requestId(), request));
    }
  }

  private void submit(PendingRequest pending) {
    relay.complete(pending.request.body(), pending.request.deadline())
        .whenComplete((result, failure) -> mailbox.post(new RelayFinished(pending, result, failure)));
  }

  private void handle(Event event) {
    if (event instanceof RelayFinished finished) {
      relayFinished(finished.pending(), finished.result(), finished.failure());
    } else if (event instanceof Published published) {
      published(published.pending(), published.record(), published.failure());
    }
  }

  private void relayFinished(PendingRequest pending, CallResult result, Throwable failure) {
    if (pending.probe) {
      pending.probe = false;
      probesOutstanding--;
    }
    if (pending.ledger.released()) {
      return;
    }
    CompletionRequest request = pending.request;
    if (failure == null) {
      pending.attempts += result.attempts();
      publish(pending, List.of(replies.ok(request.requestId(), request.replyKey(), request.route(),
          result.completion().body(), result.completion().httpStatus(), pending.attempts,
          result.completion().relayRequestId())));
      return;
    }
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (!(cause instanceof CallFailedException callFailed)) {
      log.error("relay call for request {} failed unexpectedly", pending.requestId, cause);
      answerWithError(pending, new ReplyError(ErrorType.RELAY_ERROR, "internal error: " + cause, null, null), 0);
      return;
    }
    pending.attempts += callFailed.attempts();
    if (callFailed.reason() == CallFailedException.Reason.CIRCUIT_OPEN
        || (callFailed.reason() == CallFailedException.Reason.RETRIES_EXHAUSTED && relay.relayLooksDown())) {
      // An outage is not this request's fault: hold it until the relay is back or its deadline passes.
      parked.add(pending);
    } else {
      answerWithError(pending, FailureReplies.toReplyError(callFailed), FailureReplies.httpStatus(callFailed));
    }
  }

  private void answerWithError(PendingRequest pending, ReplyError error, int httpStatus) {
    CompletionRequest request = pending.request;
    publish(pending, List.of(replies.error(request.requestId(), request.replyKey(), request.route(), error, httpStatus,
        pending.attempts)));
  }

  private void publish(PendingRequest pending, List<ProducerRecord<byte[], byte[]>> records) {
    pending.unacknowledged += records.size();
    records.forEach(record -> send(pending, record));
  }

  private void send(PendingRequest pending, ProducerRecord<byte[], byte[]> record) {
    publisher.publish(record, (metadata, failure) -> mailbox.post(new Published(pending, record, failure)));
  }

  private void published(PendingRequest pending, ProducerRecord<byte[], byte[]> record, Exception failure) {
    if (pending.ledger.released()) {
      return;
    }
    if (failure == null) {
      if (--pending.unacknowledged == 0) {
        pending.ledger.done(pending.offset());
      }
      return;
    }
    boolean requestedTopic = !record.topic().equals(settings.replyTopic()) && !record.topic().equals(settings.dlqTopic());
    if (requestedTopic) {
      // The requester named a topic we cannot write to: tell them where they will look by default.
      log.warn("request {}: could not publish its reply to requested topic {}: {}", pending.requestId, record.topic(),
          failure.toString());
      ReplyRoute fallback = ReplyRoute.defaultTopic(settings.replyTopic(), pending.request.route().correlation());
      send(pending, replies.error(pending.requestId, pending.request.replyKey(), fallback,
          ReplyError.invalid("could not publish the reply to topic '" + record.topic() + "': " + failure.getMessage(),
              null), 0, pending.attempts));
    } else {
      log.warn("request {}: publishing to {} failed, retrying in {}: {}", pending.requestId, record.topic(),
          PUBLISH_RETRY_DELAY, failure.toString());
      failedPublishes.add(new FailedPublish(clock.instant().plus(PUBLISH_RETRY_DELAY), pending, record));
    }
  }

  private void retryFailedPublishes() {
    Instant now = clock.instant();
    while (!failedPublishes.isEmpty() && !failedPublishes.peek().due().isAfter(now)) {
      FailedPublish retry = failedPublishes.poll();
      if (!retry.pending().ledger.released()) {
        send(retry.pending(), retry.record());
      }
    }
  }

  private void answerExpiredParked() {
    Instant now = clock.instant();
    for (Iterator<PendingRequest> it = parked.iterator(); it.hasNext(); ) {
      PendingRequest pending = it.next();
      if (pending.ledger.released()) {
        it.remove();
      } else if (!now.isBefore(pending.request.deadline())) {
        it.remove();
        answerWithError(pending, new ReplyError(ErrorType.DEADLINE_EXCEEDED,
            "deadline passed while the relay was unavailable", null, null), 0);
      }
    }
  }

  /** Sends parked requests again: all once the circuit closed, one probe at a time while half-open. */
  private void resubmitParked() {
    CircuitBreaker.State state = relay.circuitState();
    if (state == CircuitBreaker.State.CLOSED) {
      while (!parked.isEmpty()) {
        submit(parked.poll());
      }
    } else if (state == CircuitBreaker.State.HALF_OPEN && probesOutstanding == 0 && !parked.isEmpty()) {
      PendingRequest probe = parked.poll();
      probe.probe = true;
      probesOutstanding++;
      submit(probe);
    }
  }

  private void updatePause() {
    int inFlight = inFlight();
    CircuitBreaker.State state = relay.circuitState();
    boolean relayDown = state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN
        || relay.pausedUntil().isAfter(clock.instant());
    boolean full = inFlight >= settings.maxInFlight() || (paused && inFlight >= settings.resumeBelow());
    if (relayDown != relayWasDown) {
      if (relayDown) {
        log.info("relay unavailable (circuit {}{}): pausing consumption; requests wait in Kafka", state,
            relay.pausedUntil().isAfter(clock.instant()) ? ", asked to wait until " + relay.pausedUntil() : "");
      } else {
        log.info("relay available again (circuit {}): resuming consumption", state);
      }
      relayWasDown = relayDown;
    }
    boolean shouldPause = relayDown || full || stopRequested;
    if (shouldPause != paused) {
      if (shouldPause) {
        consumer.pause(consumer.assignment());
      } else {
        consumer.resume(consumer.assignment());
      }
      paused = shouldPause;
    }
  }

  private void maybeCommit() {
    Instant now = clock.instant();
    if (Duration.between(lastCommit, now).compareTo(settings.commitInterval()) < 0) {
      return;
    }
    lastCommit = now;
    Map<TopicPartition, OffsetAndMetadata> offsets = uncommitted(ledgers.keySet());
    if (!offsets.isEmpty()) {
      consumer.commitAsync(offsets, (committed, failure) -> {
        if (failure == null) {
          markCommitted(committed);
        } else {
          log.debug("offset commit failed, the next one will cover it: {}", failure.toString());
        }
      });
    }
  }

  private Map<TopicPartition, OffsetAndMetadata> uncommitted(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition partition : partitions) {
      PartitionLedger ledger = ledgers.get(partition);
      if (ledger != null) {
        ledger.uncommitted().ifPresent(offset -> offsets.put(partition, new OffsetAndMetadata(offset)));
      }
    }
    return offsets;
  }

  private void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
    if (offsets.isEmpty()) {
      return;
    }
    for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
      try {
        consumer.commitSync(offsets);
        markCommitted(offsets);
        return;
      } catch (WakeupException e) {
        // A mailbox post meant for poll() landed here; the commit itself is still wanted.
      } catch (CommitFailedException | RebalanceInProgressException e) {
        log.warn("could not commit {} before the partitions moved; their new owner redoes what follows: {}",
            offsets, e.toString());
        return;
      } catch (KafkaException e) {
        log.warn("offset commit failed (attempt {}): {}", attempt, e.toString());
      }
    }
  }

  private void markCommitted(Map<TopicPartition, OffsetAndMetadata> offsets) {
    offsets.forEach((partition, offset) -> {
      PartitionLedger ledger = ledgers.get(partition);
      if (ledger != null) {
        ledger.committed(offset.offset());
      }
    });
  }

  private int inFlight() {
    int total = 0;
    for (PartitionLedger ledger : ledgers.values()) {
      total += ledger.inFlight();
    }
    return total;
  }

  /** Stops consuming, waits up to the shutdown timeout for requests in flight, commits. */
  private void finishInFlight() {
    consumer.pause(consumer.assignment());
    Instant deadline = clock.instant().plus(settings.shutdownTimeout());
    awaitDone(ledgers.keySet(), deadline);
    commitSync(uncommitted(ledgers.keySet()));
    int unfinished = inFlight();
    if (unfinished > 0) {
      log.warn("stopping with {} requests unfinished after {}; they are not committed and will be redone",
          unfinished, settings.shutdownTimeout());
    }
  }

  /** Handles events until every request of {@code partitions} is done or the deadline passes. */
  private void awaitDone(Collection<TopicPartition> partitions, Instant deadline) {
    while (pending(partitions) && clock.instant().isBefore(deadline)) {
      try {
        Event event = mailbox.take(Math.max(1, Math.min(50, Duration.between(clock.instant(), deadline).toMillis())));
        if (event != null) {
          handle(event);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      handleEvents();
    }
  }

  private boolean pending(Collection<TopicPartition> partitions) {
    for (TopicPartition partition : partitions) {
      PartitionLedger ledger = ledgers.get(partition);
      if (ledger != null && ledger.inFlight() > 0) {
        return true;
      }
    }
    return false;
  }

  // Rebalance callbacks: called by the consumer inside poll(), on this thread.

  void assigned(Collection<TopicPartition> partitions) {
    partitions.forEach(partition -> ledgers.put(partition, new PartitionLedger(partition)));
    if (paused) {
      consumer.pause(partitions);
    }
    log.info("assigned {}", partitions);
  }

  void revoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    if (!closing) {
      awaitDone(partitions, clock.instant().plus(settings.rebalanceDrainTimeout()));
    }
    commitSync(uncommitted(partitions));
    int unfinished = release(partitions);
    log.info("revoked {}{}", partitions, unfinished == 0 ? "" : "; " + unfinished
        + " requests were unfinished and will be redone by the new owner");
  }

  void lost(Collection<TopicPartition> partitions) {
    int unfinished = release(partitions);
    log.warn("lost {} without a clean hand-over; {} requests in flight will be redone", partitions, unfinished);
  }

  private int release(Collection<TopicPartition> partitions) {
    int unfinished = 0;
    for (TopicPartition partition : partitions) {
      PartitionLedger ledger = ledgers.remove(partition);
      if (ledger != null) {
        unfinished += ledger.inFlight();
        ledger.release();
      }
    }
    parked.removeIf(pending -> pending.ledger.released());
    return unfinished;
  }

  private record FailedPublish(Instant due, PendingRequest pending, ProducerRecord<byte[], byte[]> record) {}
}
