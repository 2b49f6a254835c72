package dev.relayworker.pipeline;

import dev.relayworker.protocol.CompletionRequest;
import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ParsedRecord;
import dev.relayworker.protocol.ReplyError;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RetryCopies;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.RelayCalls;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;

/**
 * What becomes of a request once the parser or the relay is done with it: the records that
 * answer it, or, when the relay was down, a place among the {@link ParkedRequests}.
 * <ul>
 *   <li>a record that is not a valid request: an error reply and a dead-letter copy;
 *   <li>a completion: the ok reply;
 *   <li>a call the open circuit refused ({@link CallFailedException.Reason#CIRCUIT_OPEN}) or held
 *       back (key out, spend cap reached: {@link CallFailedException.Reason#HELD}): parked, not
 *       answered; an outage is not the request's fault; so is a request over its caller's or
 *       model's cap ({@link CallFailedException.Reason#OVER_BUDGET}) with
 *       {@code budget.exceeded.action=park};
 *   <li>any other failure: the error reply it calls for ({@link FailureReplies});
 *   <li>a parked request whose deadline passed: {@code deadline_exceeded};
 *   <li>a request parked longer than {@code request.park.max.ms}, or on a partition whose commit
 *       metadata is filling up: moved, its record copied to the retry topic ({@link RetryCopies}),
 *       where the group takes it again; its offset is done once the copy is safe.
 * </ul>
 * The one place a request is marked answered and its records handed to the {@link ReplyRouter}
 * and on to the {@link Delivery}.
 *
 * <p>Confined to the poll thread.
 */
final class Outcomes {

  private final ReplyRecords replies;
  private final ReplyRouter router;
  private final Delivery delivery;
  private final RequestLog requestLog;
  private final RetryCopies retries;
  private final Clock clock;
  private final ParkedRequests parked = new ParkedRequests();
  private final boolean parkOverBudget;

  /**
   * @param clock the worker's steady clock, which parking is timed on
   * @param parkOverBudget whether a request over its caller's or model's cap is parked until the
   *     window reopens ({@code budget.exceeded.action=park}) rather than answered
   */
  Outcomes(ReplyRecords replies, RetryCopies retries, ReplyRouter router, Delivery delivery, RequestLog requestLog,
      Clock clock, boolean parkOverBudget) {
    this.replies = replies;
    this.retries = retries;
    this.router = router;
    this.delivery = delivery;
    this.requestLog = requestLog;
    this.clock = clock;
    this.parkOverBudget = parkOverBudget;
  }

  /** The record is not a valid request: it is answered with an error and copied to the dead-letter topic. */
  void refused(PendingRequest pending, ParsedRecord.Invalid invalid) {
    requestLog.refused(pending, invalid);
    pending.trace.answered("error", invalid.error().type().wireName(), null, null);
    pending.deadLettered = true;
    answer(pending, List.of(
        Outgoing.reply(pending, replies.error(invalid.requestId(), invalid.replyKey(), invalid.address(),
            invalid.error(), 0, 0)),
        Outgoing.deadLetter(pending, replies.deadLetter(pending.record, invalid.dlqReason(),
            invalid.error().message()))));
  }

  /**
   * The request's reply route cannot be written ({@code why}): it is answered now, without a
   * relay call, with an error the router takes to the default reply topic.
   */
  void undeliverable(PendingRequest pending, String why) {
    answerWithError(pending, ReplyError.invalid("the reply could not be published to topic '" + pending.address.topic()
        + "'" + (pending.address.partition() == null ? "" : " partition " + pending.address.partition()) + ": " + why
        + "; the request was not sent to the relay", null), 0, null);
  }

  /** A relay call ended with {@code result} or {@code failure}. */
  void relayFinished(PendingRequest pending, CallResult result, Throwable failure) {
    parked.callFinished(pending);
    if (pending.ledger.released() || pending.answered) {
      return; // Its partition went, or it was given up while the call was out (see giveUp).
    }
    if (failure == null) {
      pending.attempts += result.attempts();
      pending.answer = result;
      CompletionRequest request = pending.request;
      requestLog.completed(pending, result.completion(), result.cost(), result.route());
      pending.trace.answered("ok", null, result.route(), result.group());
      answer(pending, List.of(Outgoing.reply(pending, replies.ok(request.requestId(), request.replyKey(),
          request.address(), result.completion().body(), result.completion().httpStatus(), pending.attempts,
          result.completion().relayRequestId(), result.cost(), result.route(), result.group()))));
      return;
    }
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    if (!(cause instanceof CallFailedException callFailed)) {
      requestLog.unexpected(pending, cause);
      // Named by class only: an unexpected exception's message could carry anything.
      answerWithError(pending, new ReplyError(ErrorType.RELAY_ERROR, "internal error: "
          + cause.getClass().getSimpleName(), null, null), 0, null);
      return;
    }
    pending.attempts += callFailed.attempts();
    pending.charged += callFailed.charged();
    if (callFailed.reason().parks() || parkOverBudget && callFailed.reason() == CallFailedException.Reason.OVER_BUDGET) {
      parked.park(pending, clock.instant());
      pending.trace.event("parked", callFailed.reason().name().toLowerCase(java.util.Locale.ROOT));
    } else {
      answerWithError(pending, FailureReplies.toReplyError(callFailed), FailureReplies.httpStatus(callFailed),
          FailureReplies.relayRequestId(callFailed));
    }
  }

  /**
   * Answers {@code pending} with {@code error} now, at the relay or parked though it may be: a
   * share-group record on its last delivery that this worker cannot finish. A relay result that
   * comes back for it later is dropped. Nothing is done if it is answered already.
   */
  void giveUp(PendingRequest pending, ReplyError error) {
    if (pending.answered) {
      return;
    }
    parked.remove(pending);
    answerWithError(pending, error, 0, null);
  }

  /** Answers the parked requests whose deadline passed while the relay was down. */
  void expireParked(Instant now) {
    for (PendingRequest pending : parked.takeExpired(now)) {
      answerWithError(pending, new ReplyError(ErrorType.DEADLINE_EXCEEDED,
          "deadline passed while the relay was unavailable", null, null), 0, null);
    }
  }

  /**
   * Moves the requests parked since {@code parkMax} or longer, and those of partitions whose
   * commit metadata is filling up, to the retry topic: each is answered by its copy there.
   *
   * @param wallNow the wall clock's time, for the copies' absolute deadlines
   */
  void moveOverdue(Duration parkMax, Instant wallNow) {
    Instant now = clock.instant();
    for (PendingRequest pending : parked.takeOverdue(now, parkMax, PartitionLedger::full)) {
      long left = Math.max(0, Duration.between(now, pending.request.deadline()).toMillis());
      requestLog.moved(pending, Duration.between(pending.parkedAt, now));
      pending.trace.answered("moved", null, null, null);
      answer(pending, List.of(Outgoing.retry(pending, retries.copy(pending.record, pending.requestId,
          wallNow.toEpochMilli() + left, pending.attempts, pending.charged))));
    }
  }

  /** Parked requests that may go to the relay again now (see {@link ParkedRequests#takeSendable}). */
  List<PendingRequest> resubmittable(RelayCalls relay) {
    return parked.takeSendable(pending -> relay.availabilityFor(pending.request.model(), pending.request.relayGroup(),
        pending.request.caller()));
  }

  int parkedCount() {
    return parked.size();
  }

  /** Forgets parked requests of partitions taken away. */
  void forgetReleased() {
    parked.forgetReleased();
  }

  private void answerWithError(PendingRequest pending, ReplyError error, int httpStatus, String relayRequestId) {
    requestLog.answered(pending, error);
    pending.trace.answered("error", error.type().wireName(), null, null);
    answer(pending, List.of(Outgoing.reply(pending, replies.error(pending.requestId, pending.replyKey, pending.address,
        error, httpStatus, pending.attempts, relayRequestId))));
  }

  /** Marks the request answered (once) and hands its records to the router, and on to the delivery once routed. */
  private void answer(PendingRequest pending, List<Outgoing> records) {
    if (!pending.answered) {
      pending.answered = true;
      pending.ledger.answered();
    }
    if (pending.trace.on() && !records.isEmpty()) {
      // A dead-letter copy keeps the request's own headers, trace context included, for whoever replays it.
      pending.trace.publishing(records.get(0).record.topic(), records.stream()
          .filter(record -> record.kind != Outgoing.Kind.DEAD_LETTER).map(record -> record.record.headers()).toList());
    }
    long bytes = 0;
    for (Outgoing record : records) {
      // Key and value are what an answer holds; the router reckons exact sizes where they matter.
      bytes += length(record.record.key()) + length(record.record.value());
    }
    pending.ledger.holds(pending.offset(), bytes);
    router.route(pending, records).ifPresent(routed -> delivery.publish(pending, routed));
  }

  private static long length(byte[] bytes) {
    return bytes == null ? 0 : bytes.length;
  }
}
