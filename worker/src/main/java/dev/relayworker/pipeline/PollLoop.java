package dev.relayworker.pipeline;

import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.pipeline.Mailbox.Event;
import dev.relayworker.pipeline.Mailbox.Published;
import dev.relayworker.pipeline.Mailbox.RelayFinished;
import dev.relayworker.protocol.CompletionRequest;
import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ParsedRecord;
import dev.relayworker.protocol.ReplyError;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.ResilientRelay;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's heart: the one thread that owns the consumer. Each turn it handles what relay and
 * producer threads posted to the {@link Mailbox}, decides which partitions to pause, commits what
 * is due through its {@link Delivery}, and polls for more requests, which it parses and hands to
 * the relay without waiting for them.
 *
 * <p>Life of a record: taken (its offset joins the partition's {@link PartitionLedger}; offsets
 * recorded as done before a restart are skipped), sent to the {@link ResilientRelay}, answered
 * (reply, and for refused records a dead-letter copy), checked and if need be replaced by the
 * {@link ReplyRouter}, and done when its records are safe or given up. Only then can the
 * committed offset move past it; no record, reply or relay answer can hold it back for ever.
 *
 * <p>Back-pressure: every partition pauses when {@code worker.max.in.flight} requests are held,
 * while the relay's circuit is open, and while the relay asked for a pause; one partition pauses
 * when the offsets finished above its committed one no longer fit in the commit metadata. Requests
 * then wait in Kafka, not in memory. A request refused because the relay is down is parked, not
 * answered, and sent again once the circuit lets calls through, with the attempts it already used;
 * only a passed deadline answers it.
 *
 * <p>Threads: {@link #run} on the poll thread; {@link #stop} from any thread.
 */
final class PollLoop implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

  private final Consumer<byte[], byte[]> consumer;
  private final ResilientRelay relay;
  private final RequestParser parser;
  private final ReplyRecords replies;
  private final WorkerSettings settings;
  private final Clock clock;
  private final Mailbox mailbox;
  private final Ledgers ledgers;
  private final Delivery delivery;
  private final ParkedRequests parked = new ParkedRequests();
  private final ReplyRouter router;
  private final RequestLog requestLog;
  private final StatusReporter status;
  private volatile boolean stopRequested;
  private boolean closing;
  private boolean relayWasDown;

  /**
   * @param router checks and routes every record the loop publishes
   * @param delivery builds the delivery for this loop's consumer, mailbox and ledgers
   */
  PollLoop(Consumer<byte[], byte[]> consumer, ResilientRelay relay, RequestParser parser, ReplyRecords replies,
      ReplyRouter router, WorkerSettings settings, Clock clock, DeliveryFactory delivery, WorkerMetrics metrics) {
    this.consumer = consumer;
    this.relay = relay;
    this.parser = parser;
    this.replies = replies;
    this.router = router;
    this.settings = settings;
    this.clock = clock;
    this.mailbox = new Mailbox(consumer::wakeup);
    this.ledgers = new Ledgers(settings.offsetMetadataMaxBytes());
    this.delivery = delivery.create(mailbox, ledgers);
    this.requestLog = new RequestLog(metrics, clock);
    this.status = new StatusReporter(consumer, ledgers, parked, metrics, clock);
  }

  /** Builds the {@link Delivery} once the loop's parts exist. */
  interface DeliveryFactory {
    Delivery create(Mailbox mailbox, Ledgers ledgers);
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
      try {
        consumer.close();
      } finally {
        delivery.close();
      }
    }
  }

  /** Asks the loop to stop taking requests, finish those in flight, commit and return. */
  void stop() {
    stopRequested = true;
    consumer.wakeup();
  }

  private void turn() {
    handleEvents();
    updatePauses();
    delivery.commit(false, ledgers.partitions());
    for (ConsumerRecord<byte[], byte[]> record : poll()) {
      take(record);
    }
    status.turned();
  }

  /** Handles posted results, retries, held replies and parked requests: everything but consuming. */
  private void handleEvents() {
    for (Event event = mailbox.take(); event != null; event = mailbox.take()) {
      handle(event);
    }
    delivery.tick();
    router.takeResolved().forEach(resolved -> delivery.publish(resolved.pending(), resolved.records()));
    answerExpiredParked();
    resubmitParked();
  }

  private ConsumerRecords<byte[], byte[]> poll() {
    // Results are handled the moment they arrive: each frees an in-flight slot at once.
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
    if (ledger == null || !ledger.take(record.offset())) {
      return; // Revoked during this poll, or answered before a restart: nothing to do.
    }
    requestLog.taken();
    ParsedRecord parsed = parser.parse(record, clock.instant());
    if (parsed instanceof ParsedRecord.Invalid invalid) {
      PendingRequest pending = new PendingRequest(record, ledger, invalid.requestId(), invalid.replyKey(),
          invalid.route(), null);
      requestLog.refused(pending, invalid);
      pending.deadLettered = true;
      answer(pending, List.of(
          Outgoing.reply(pending, replies.error(invalid.requestId(), invalid.replyKey(), invalid.route(),
              invalid.error(), 0, 0)),
          Outgoing.deadLetter(pending, replies.deadLetter(record, invalid.dlqReason(), invalid.error().message()))));
      return;
    }
    CompletionRequest request = ((ParsedRecord.Valid) parsed).request();
    PendingRequest pending = new PendingRequest(record, ledger, request.requestId(), request.replyKey(),
        request.route(), request);
    router.prefetch(pending);
    submit(pending);
  }

  private void submit(PendingRequest pending) {
    relay.complete(pending.request.body(), pending.request.deadline(), pending.charged)
        .whenComplete((result, failure) -> mailbox.post(new RelayFinished(pending, result, failure)));
  }

  /** Hands the records answering {@code pending} to the router, and on to the delivery once routed. */
  private void answer(PendingRequest pending, List<Outgoing> records) {
    if (!pending.answered) {
      pending.answered = true;
      pending.ledger.answered();
    }
    router.route(pending, records).ifPresent(routed -> delivery.publish(pending, routed));
  }

  private void handle(Event event) {
    if (event instanceof RelayFinished finished) {
      relayFinished(finished.pending(), finished.result(), finished.failure());
    } else if (event instanceof Published published) {
      delivery.published(published);
    }
  }

  private void relayFinished(PendingRequest pending, CallResult result, Throwable failure) {
    parked.callFinished(pending);
    if (pending.ledger.released()) {
      return;
    }
    if (failure == null) {
      pending.attempts += result.attempts();
      CompletionRequest request = pending.request;
      requestLog.completed(pending, result.completion());
      answer(pending, List.of(Outgoing.reply(pending, replies.ok(request.requestId(), request.replyKey(),
          request.route(), result.completion().body(), result.completion().httpStatus(), pending.attempts,
          result.completion().relayRequestId()))));
      return;
    }
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (!(cause instanceof CallFailedException callFailed)) {
      requestLog.unexpected(pending, cause);
      // Named by class only: an unexpected exception's message could carry anything.
      answerWithError(pending, new ReplyError(ErrorType.RELAY_ERROR, "internal error: "
          + cause.getClass().getSimpleName(), null, null), 0);
      return;
    }
    pending.attempts += callFailed.attempts();
    pending.charged += callFailed.charged();
    if (callFailed.reason() == CallFailedException.Reason.CIRCUIT_OPEN) {
      // An outage is not this request's fault: hold it until the relay is back or its deadline passes.
      parked.park(pending);
    } else {
      answerWithError(pending, FailureReplies.toReplyError(callFailed), FailureReplies.httpStatus(callFailed));
    }
  }

  private void answerWithError(PendingRequest pending, ReplyError error, int httpStatus) {
    requestLog.answered(pending, error);
    answer(pending, List.of(Outgoing.reply(pending, replies.error(pending.requestId, pending.replyKey, pending.route,
        error, httpStatus, pending.attempts))));
  }

  private void answerExpiredParked() {
    for (PendingRequest pending : parked.takeExpired(clock.instant())) {
      answerWithError(pending, new ReplyError(ErrorType.DEADLINE_EXCEEDED,
          "deadline passed while the relay was unavailable", null, null), 0);
    }
  }

  private void resubmitParked() {
    parked.takeSendable(relay.circuitState()).forEach(this::submit);
  }

  private void updatePauses() {
    boolean relayDown = relayDown();
    int inFlight = ledgers.unanswered();
    boolean allPaused = !consumer.paused().isEmpty() && consumer.paused().containsAll(consumer.assignment());
    boolean full = inFlight >= settings.maxInFlight() || (allPaused && inFlight >= settings.resumeBelow());
    Set<TopicPartition> pause = new HashSet<>();
    for (PartitionLedger ledger : ledgers.all()) {
      if (relayDown || full || stopRequested || ledger.full()) {
        pause.add(ledger.partition());
      }
    }
    Set<TopicPartition> paused = consumer.paused();
    Set<TopicPartition> resume = new HashSet<>(paused);
    resume.removeAll(pause);
    pause.removeAll(paused);
    if (!pause.isEmpty()) {
      consumer.pause(pause);
    }
    if (!resume.isEmpty()) {
      consumer.resume(resume);
    }
  }

  private boolean relayDown() {
    CircuitBreaker.State state = relay.circuitState();
    boolean relayDown = state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN
        || relay.pausedUntil().isAfter(clock.instant());
    if (relayDown != relayWasDown) {
      if (relayDown) {
        log.info("relay unavailable (circuit {}{}): pausing consumption; requests wait in Kafka", state,
            relay.pausedUntil().isAfter(clock.instant()) ? ", asked to wait until " + relay.pausedUntil() : "");
      } else {
        log.info("relay available again (circuit {}): resuming consumption", state);
      }
      relayWasDown = relayDown;
    }
    return relayDown;
  }

  /** Stops consuming, waits up to the shutdown timeout for requests in flight, commits. */
  private void finishInFlight() {
    consumer.pause(consumer.assignment());
    awaitDone(ledgers.partitions(), clock.instant().plus(settings.shutdownTimeout()));
    delivery.commit(true, ledgers.partitions());
    int unfinished = ledgers.inFlight();
    if (unfinished > 0) {
      log.warn("stopping with {} requests unfinished after {}; they are not committed and will be redone",
          unfinished, settings.shutdownTimeout());
    }
  }

  /** Handles events and commits until every request of {@code partitions} is done or the deadline passes. */
  private void awaitDone(Collection<TopicPartition> partitions, Instant deadline) {
    while (ledgers.anyInFlight(partitions) && clock.instant().isBefore(deadline)) {
      try {
        Event event = mailbox.take(Math.max(1, Math.min(20, Duration.between(clock.instant(), deadline).toMillis())));
        if (event != null) {
          handle(event);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      handleEvents();
      delivery.commit(false, partitions);
    }
  }

  /** The group's committed offsets and metadata; a stray mailbox wake-up is not a reason to fail. */
  private Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
    for (int attempt = 1; ; attempt++) {
      try {
        return consumer.committed(partitions);
      } catch (WakeupException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }

  private void forgetReleased(Collection<TopicPartition> partitions) {
    parked.forgetReleased();
    router.forgetReleased();
    delivery.forget(partitions);
  }

  // Rebalance callbacks: called by the consumer inside poll(), on this thread.

  void assigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      status.rebalanced();
      return;
    }
    mailbox.pollerWaiting(false);
    Map<TopicPartition, OffsetAndMetadata> committed = committed(new HashSet<>(partitions));
    partitions.forEach(partition -> ledgers.open(partition, committed.get(partition)));
    if (relayWasDown || stopRequested) {
      consumer.pause(partitions);
    }
    status.rebalanced();
    log.info("assigned {}", partitions);
  }

  void revoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    mailbox.pollerWaiting(false);
    if (!closing) {
      awaitDone(partitions, clock.instant().plus(settings.rebalanceDrainTimeout()));
    }
    delivery.commit(true, partitions);
    int unfinished = ledgers.release(partitions);
    forgetReleased(partitions);
    status.rebalanced();
    log.info("revoked {}{}", partitions, unfinished == 0 ? "" : "; " + unfinished
        + " requests were unfinished and will be redone by the new owner");
  }

  void lost(Collection<TopicPartition> partitions) {
    int unfinished = ledgers.release(partitions);
    forgetReleased(partitions);
    log.warn("lost {} without a clean hand-over; {} requests in flight will be redone", partitions, unfinished);
  }

}
