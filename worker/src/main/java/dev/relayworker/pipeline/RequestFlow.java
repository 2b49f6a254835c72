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
import dev.relayworker.streaming.ChunkPublisher;
import dev.relayworker.tracing.Tracing;
import java.time.Clock;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The path of a taken record, whichever kind of group handed it over ({@link PollLoop} for a
 * consumer group, {@link ShareLoop} for a share group): parsed, routed, sent to the relay without
 * waiting, and answered, parked, moved or refused ({@link Outcomes}) when the relay's result comes
 * back through the {@link Mailbox}; every answer goes through the {@link ReplyRouter} to the
 * {@link Delivery}, which marks the record done on its {@link PartitionLedger} once it is safe.
 *
 * <p>Poll thread only; relay threads only post to the mailbox.
 */
final class RequestFlow {

  private final RelayCalls relay;
  private final RequestParser parser;
  private final ReplyRouter router;
  private final WorkerSettings settings;
  private final Clock clock;
  private final Clock wall;
  private final Mailbox mailbox;
  private final Delivery delivery;
  private final Outcomes outcomes;
  private final RequestLog requestLog;
  private final ChunkPublisher chunks;
  private final Tracing tracing;

  /**
   * @param chunks where streamed requests' text goes as it arrives; null: they get their final reply only
   * @param tracing where each request's spans begin
   */
  RequestFlow(RelayCalls relay, RequestParser parser, ReplyRecords replies, ReplyRouter router, WorkerSettings settings,
      Clock clock, Clock wall, Mailbox mailbox, Delivery delivery, WorkerMetrics metrics, ChunkPublisher chunks,
      Tracing tracing) {
    this.relay = relay;
    this.parser = parser;
    this.router = router;
    this.settings = settings;
    this.clock = clock;
    this.wall = wall;
    this.mailbox = mailbox;
    this.delivery = delivery;
    this.chunks = chunks;
    this.tracing = tracing;
    this.requestLog = new RequestLog(metrics, wall);
    this.outcomes = new Outcomes(replies, new RetryCopies(settings.retryTopic()), router, delivery, requestLog, clock,
        settings.parkOverBudget());
  }

  Outcomes outcomes() {
    return outcomes;
  }

  /**
   * Starts a record its ledger has just taken: refused at once when it is not a valid request,
   * else sent to the relay once its reply route is known.
   *
   * @return the request it became
   */
  PendingRequest take(ConsumerRecord<byte[], byte[]> record, PartitionLedger ledger) {
    requestLog.taken();
    Instant now = wall.instant();
    ParsedRecord parsed = parser.parse(record, now, clock.instant());
    if (parsed instanceof ParsedRecord.Invalid invalid) {
      PendingRequest pending = new PendingRequest(record, ledger, invalid.requestId(), invalid.replyKey(),
          invalid.address(), null);
      pending.trace = tracing.start(record, invalid.requestId(), now);
      outcomes.refused(pending, invalid);
      return pending;
    }
    CompletionRequest request = ((ParsedRecord.Valid) parsed).request();
    PendingRequest pending = new PendingRequest(record, ledger, request.requestId(), request.replyKey(),
        request.address(), request);
    pending.trace = tracing.start(record, request.requestId(), now);
    // A request moved from the retry topic goes on with the attempts it had made and used.
    pending.attempts = RetryCopies.attemptsBefore(record);
    pending.charged = RetryCopies.chargedBefore(record);
    router.routeBeforeCall(pending).ifPresent(this::sendOrRefuse);
    return pending;
  }

  /** Handles posted results and acknowledgements, routed replies and parked requests: everything but consuming. */
  void handleEvents() {
    for (Event event = mailbox.take(); event != null; event = mailbox.take()) {
      handle(event);
    }
    router.takeResolved().forEach(resolved -> delivery.publish(resolved.pending(), resolved.records()));
    router.takeRouted().forEach(this::sendOrRefuse);
    outcomes.expireParked(clock.instant());
    outcomes.moveOverdue(settings.parkMax(), wall.instant());
    outcomes.resubmittable(relay).forEach(this::submit);
  }

  /** Handles one event taken from the mailbox. */
  void handle(Event event) {
    if (event instanceof RelayFinished finished) {
      outcomes.relayFinished(finished.pending(), finished.result(), finished.failure());
    } else if (event instanceof Mailbox.Task task) {
      task.work().run();
    }
  }

  /** Forgets what is parked or routed for partitions taken away. */
  void forgetReleased() {
    outcomes.forgetReleased();
    router.forgetReleased();
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
    if (pending.trace.on()) {
      call = call.withTrace(pending.trace.calls(request.endpoint(), request.model(), call.stream() != null));
    }
    relay.complete(call, pending.charged)
        .whenComplete((result, failure) -> mailbox.post(new RelayFinished(pending, result, failure)));
  }
}
