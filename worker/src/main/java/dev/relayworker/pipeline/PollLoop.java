package dev.relayworker.pipeline;

import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.pipeline.Mailbox.Event;
import dev.relayworker.pipeline.Mailbox.RelayFinished;
import dev.relayworker.protocol.CompletionRequest;
import dev.relayworker.protocol.ParsedRecord;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.protocol.RetryCopies;
import dev.relayworker.resilience.RelayCalls;
import dev.relayworker.resilience.RelayRequest;
import dev.relayworker.spend.SpendLedger;
import dev.relayworker.streaming.ChunkPublisher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's heart: the one thread that owns the consumer. Each turn it handles what relay and
 * producer threads posted to the {@link Mailbox}, lets {@link BackPressure} pause or resume
 * partitions, has the {@link Delivery} send and commit what is due, and polls for more requests,
 * which it parses and hands to the relay without waiting for them.
 *
 * <p>Life of a record: taken (its offset joins the partition's {@link PartitionLedger}; offsets
 * recorded as done before a restart are skipped), sent to the relay, answered or parked
 * ({@link Outcomes}), checked and if need be replaced by the {@link ReplyRouter}, and done when
 * its records are safe or given up. Only then can the committed offset move past it; no record,
 * reply or relay answer can hold it back for ever. Partitions come and go through {@link HandOver}.
 *
 * <p>Threads: {@link #run} on the poll thread; {@link #stop} from any thread. Tests drive the
 * loop a turn at a time with {@link #open} and {@link #turn} on their own thread.
 */
final class PollLoop implements Runnable, InFlightWork {

  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

  private final Consumer<byte[], byte[]> consumer;
  private final RelayCalls relay;
  private final RequestParser parser;
  private final WorkerSettings settings;
  private final Clock clock;
  private final Clock wall;
  private final Mailbox mailbox;
  private final Ledgers ledgers;
  private final Delivery delivery;
  private final ReplyRouter router;
  private final Outcomes outcomes;
  private final BackPressure backPressure;
  private final RequestLog requestLog;
  private final StatusReporter status;
  private final HandOver handOver;
  private final SpendLedger spendLedger;
  private final ChunkPublisher chunks;
  private volatile boolean stopRequested;
  private boolean closing;

  /**
   * @param router checks and routes every record the loop publishes
   * @param clock the worker's steady clock: deadlines, intervals and timeouts
   * @param wall the wall clock: record timestamps and {@code deadline_ms} are read on it
   * @param delivery builds the delivery for this loop's consumer, mailbox and ledgers
   * @param spendLedger read after every rebalance, closed with the loop; null when no spend cap is set
   */
  PollLoop(Consumer<byte[], byte[]> consumer, RelayCalls relay, RequestParser parser, ReplyRecords replies,
      ReplyRouter router, WorkerSettings settings, Clock clock, Clock wall, DeliveryFactory delivery,
      WorkerMetrics metrics, SpendLedger spendLedger) {
    this(consumer, relay, parser, replies, router, settings, clock, wall, delivery, metrics, spendLedger, null);
  }

  /** @param chunks where streamed requests' text goes as it arrives; null: they get their final reply only */
  PollLoop(Consumer<byte[], byte[]> consumer, RelayCalls relay, RequestParser parser, ReplyRecords replies,
      ReplyRouter router, WorkerSettings settings, Clock clock, Clock wall, DeliveryFactory delivery,
      WorkerMetrics metrics, SpendLedger spendLedger, ChunkPublisher chunks) {
    this.chunks = chunks;
    this.consumer = consumer;
    this.wall = wall;
    this.relay = relay;
    this.parser = parser;
    this.router = router;
    this.settings = settings;
    this.clock = clock;
    this.mailbox = new Mailbox(consumer::wakeup);
    this.ledgers = new Ledgers(settings.offsetMetadataMaxBytes());
    this.delivery = delivery.create(mailbox, ledgers);
    this.requestLog = new RequestLog(metrics, wall);
    this.outcomes = new Outcomes(replies, new RetryCopies(settings.retryTopic()), router, this.delivery, requestLog,
        clock, settings.parkOverBudget());
    this.backPressure = new BackPressure(consumer, settings);
    this.status = new StatusReporter(consumer, ledgers, outcomes::parkedCount, metrics, clock);
    this.handOver = new HandOver(this, consumer, ledgers, this.delivery, backPressure, status, mailbox, settings,
        new LimitShare(consumer, settings.requestTopic(), relay, settings.limitShare(), spendLedger), clock);
    this.spendLedger = spendLedger;
  }

  /** Builds the {@link Delivery} once the loop's parts exist. */
  interface DeliveryFactory {
    Delivery create(Mailbox mailbox, Ledgers ledgers);
  }

  @Override
  public void run() {
    open();
    try {
      while (!stopRequested) {
        turn();
      }
      finishInFlight();
    } finally {
      close();
    }
  }

  /** Asks the loop to stop taking requests, finish those in flight, commit and return. */
  void stop() {
    stopRequested = true;
    consumer.wakeup();
  }

  /**
   * Joins the consumer group on the request topic and the retry topic (where requests parked too
   * long were moved); partitions arrive through {@link HandOver} during a later poll.
   */
  void open() {
    consumer.subscribe(List.of(settings.requestTopic(), settings.retryTopic()), handOver);
  }

  /** One turn: what came back, what may be consumed, what is due to send and commit, then a poll. */
  void turn() {
    handleEvents();
    backPressure.apply(ledgers, relay.availability(), outcomes.parkedCount() > 0, stopRequested);
    delivery.flush(false, ledgers.partitions());
    for (ConsumerRecord<byte[], byte[]> record : poll()) {
      take(record);
    }
    status.turned();
  }

  /** Handles posted results and acknowledgements, routed replies and parked requests: everything but consuming. */
  private void handleEvents() {
    for (Event event = mailbox.take(); event != null; event = mailbox.take()) {
      handle(event);
    }
    router.takeResolved().forEach(resolved -> delivery.publish(resolved.pending(), resolved.records()));
    router.takeRouted().forEach(this::sendOrRefuse);
    outcomes.expireParked(clock.instant());
    outcomes.moveOverdue(settings.parkMax(), wall.instant());
    outcomes.resubmittable(relay).forEach(this::submit);
  }

  private void handle(Event event) {
    if (event instanceof RelayFinished finished) {
      outcomes.relayFinished(finished.pending(), finished.result(), finished.failure());
    } else if (event instanceof Mailbox.Task task) {
      task.work().run();
    }
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
    if (ledger == null || !ledger.take(record.offset(), RequestBytes.held(record))) {
      return; // Revoked during this poll, or answered before a restart: nothing to do.
    }
    requestLog.taken();
    ParsedRecord parsed = parser.parse(record, wall.instant(), clock.instant());
    if (parsed instanceof ParsedRecord.Invalid invalid) {
      outcomes.refused(new PendingRequest(record, ledger, invalid.requestId(), invalid.replyKey(), invalid.address(),
          null), invalid);
      return;
    }
    CompletionRequest request = ((ParsedRecord.Valid) parsed).request();
    PendingRequest pending = new PendingRequest(record, ledger, request.requestId(), request.replyKey(),
        request.address(), request);
    // A request moved from the retry topic goes on with the attempts it had made and used.
    pending.attempts = RetryCopies.attemptsBefore(record);
    pending.charged = RetryCopies.chargedBefore(record);
    router.routeBeforeCall(pending).ifPresent(this::sendOrRefuse);
  }

  /** A request whose reply route is known: to the relay, or answered at once when its reply could not be delivered. */
  private void sendOrRefuse(ReplyRouter.Routed routed) {
    if (routed.why() == null) {
      submit(routed.pending());
    } else {
      outcomes.undeliverable(routed.pending(), routed.why());
    }
  }

  private void submit(PendingRequest pending) {
    CompletionRequest request = pending.request;
    RelayRequest call = new RelayRequest(request.endpoint(), request.body(), request.deadline(), request.model(),
        request.tokenEstimate(), request.relayGroup(), false, request.usageCeiling(), request.caller());
    if (chunks != null && pending.streamTopic != null) {
      call = call.withStream(chunks.open(pending.requestId, pending.replyKey, pending.streamTopic, pending.address));
    }
    relay.complete(call, pending.charged)
        .whenComplete((result, failure) -> mailbox.post(new RelayFinished(pending, result, failure)));
  }

  /** Stops consuming, waits up to the shutdown timeout for requests in flight, commits. */
  private void finishInFlight() {
    consumer.pause(consumer.assignment());
    drain(ledgers.partitions(), clock.instant().plus(settings.shutdownTimeout()));
    delivery.flush(true, ledgers.partitions());
    int unfinished = ledgers.inFlight();
    if (unfinished > 0) {
      log.warn("stopping with {} requests unfinished after {}; they are not committed and will be redone",
          unfinished, settings.shutdownTimeout());
    }
  }

  private void close() {
    closing = true;
    try {
      consumer.close();
    } finally {
      try {
        delivery.close();
      } finally {
        if (spendLedger != null) {
          spendLedger.close();
        }
      }
    }
  }

  // InFlightWork: called by HandOver, on this thread, inside poll().

  @Override
  public void drain(Collection<TopicPartition> partitions, Instant deadline) {
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
      delivery.flush(false, partitions);
    }
  }

  @Override
  public void forget(Collection<TopicPartition> partitions) {
    outcomes.forgetReleased();
    router.forgetReleased();
    delivery.forget(partitions);
  }

  @Override
  public boolean stopping() {
    return stopRequested;
  }

  @Override
  public boolean closing() {
    return closing;
  }
}
