package dev.relayworker.pipeline;

import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.protocol.ReplyError;
import dev.relayworker.protocol.ReplyRecords;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What to publish instead of a record that cannot be published: each step gives up a little more
 * of the original, so that every request still gets an answer somewhere and its partition moves
 * on. For a reply:
 * <ol>
 *   <li>as built, to its reply address;
 *   <li>if it was too large: a {@code reply_too_large} error reply to the same address, naming the
 *       size and the limit;
 *   <li>an error reply on the default reply topic, partition chosen by the key (unless that is
 *       where the failed record was going), saying why;
 *   <li>the request record on the dead-letter topic, cut to fit ({@code reply_undeliverable}),
 *       unless the record was refused and already has its dead-letter copy;
 *   <li>nothing: the caller logs an ERROR, counts it, and lets the offset move on.
 * </ol>
 * For a dead-letter copy: as built, then cut to fit, then nothing. For a retry copy (a parked
 * request moved): as built, then a {@code relay_error} reply to the request's reply address saying the
 * request could neither be answered nor moved, then the reply's steps from 3.
 *
 * <p>Pure apart from building records; confined to the poll thread.
 */
final class Fallbacks {

  static final String UNDELIVERABLE = "reply_undeliverable";

  private final ReplyRecords replies;
  private final String defaultTopic;
  private final IntSupplier deadLetterMaxBytes;

  /** @param deadLetterMaxBytes the largest record the dead-letter topic takes now */
  Fallbacks(ReplyRecords replies, String defaultTopic, IntSupplier deadLetterMaxBytes) {
    this.replies = replies;
    this.defaultTopic = defaultTopic;
    this.deadLetterMaxBytes = deadLetterMaxBytes;
  }

  /** The next thing to try after {@code failed} met {@code problem}, or null when nothing is left. */
  Outgoing next(Outgoing failed, Problem problem) {
    if (failed.kind == Outgoing.Kind.RETRY) {
      PendingRequest pending = failed.pending;
      ReplyError error = new ReplyError(ErrorType.RELAY_ERROR, "no route could take the request for as long as it"
          + " may stay parked, and it could not be moved to the retry topic: " + problem.message(), null, null);
      return failed.instead(replies.error(pending.requestId, pending.replyKey, pending.address, error, 0,
          pending.attempts), Outgoing.Kind.REPLY, Outgoing.Step.ERROR_ON_ROUTE, problem);
    }
    if (failed.kind == Outgoing.Kind.DEAD_LETTER) {
      return failed.step == Outgoing.Step.AS_BUILT ? cutDeadLetter(failed, problem) : null;
    }
    // Home is the default reply topic with the partition left to the key.
    boolean elsewhere = !failed.topic().equals(defaultTopic) || failed.record.partition() != null;
    return switch (failed.step) {
      case AS_BUILT -> problem.kind() == Problem.Kind.TOO_LARGE
          ? errorReply(failed, problem, failed.pending.address, Outgoing.Step.ERROR_ON_ROUTE)
          : elsewhere ? errorReply(failed, problem, home(failed), Outgoing.Step.ERROR_ON_DEFAULT)
          : cutDeadLetter(failed, problem);
      case ERROR_ON_ROUTE -> elsewhere ? errorReply(failed, problem, home(failed), Outgoing.Step.ERROR_ON_DEFAULT)
          : cutDeadLetter(failed, problem);
      case ERROR_ON_DEFAULT -> cutDeadLetter(failed, problem);
      case DEAD_LETTER_CUT -> null;
    };
  }

  private ReplyAddress home(Outgoing failed) {
    return ReplyAddress.defaultTopic(defaultTopic, failed.pending.address.correlation());
  }

  private Outgoing errorReply(Outgoing failed, Problem problem, ReplyAddress address, Outgoing.Step step) {
    Problem first = failed.because == null ? problem : failed.because;
    if (first.kind() != Problem.Kind.TOO_LARGE && isErrorReply(failed.record)) {
      // Already an error (a refused record's, say): what went wrong with the request matters more
      // than where its answer could not go, so the same reply goes home unchanged.
      ProducerRecord<byte[], byte[]> same = failed.record;
      return failed.instead(new ProducerRecord<>(address.topic(), address.partition(), same.key(), same.value(),
          same.headers()), Outgoing.Kind.REPLY, step, problem);
    }
    ReplyError error = first.kind() == Problem.Kind.TOO_LARGE
        ? new ReplyError(ErrorType.REPLY_TOO_LARGE, "the answer could not be published: " + first.message(), null, null)
        : ReplyError.invalid("the reply could not be published to topic '" + failed.pending.address.topic() + "'"
            + (failed.pending.address.partition() == null ? "" : " partition " + failed.pending.address.partition())
            + ": " + first.message(), null);
    PendingRequest pending = failed.pending;
    ProducerRecord<byte[], byte[]> record = replies.error(pending.requestId, pending.replyKey, address, error, 0,
        pending.attempts);
    return failed.instead(record, Outgoing.Kind.REPLY, step, problem);
  }

  private Outgoing cutDeadLetter(Outgoing failed, Problem problem) {
    PendingRequest pending = failed.pending;
    if (failed.kind == Outgoing.Kind.REPLY && pending.deadLettered) {
      return null; // The refused record has its dead-letter copy already: that is its answer of last resort.
    }
    Problem first = failed.because == null ? problem : failed.because;
    String reason = failed.kind == Outgoing.Kind.DEAD_LETTER ? deadLetterReason(failed.record) : UNDELIVERABLE;
    String message = failed.kind == Outgoing.Kind.DEAD_LETTER ? deadLetterError(failed.record) + "; " + first.message()
        : first.message();
    ProducerRecord<byte[], byte[]> cut = replies.deadLetterCut(pending.record, reason, message,
        deadLetterMaxBytes.getAsInt());
    if (cut == null) {
      return null;
    }
    pending.deadLettered = true;
    return failed.instead(cut, Outgoing.Kind.DEAD_LETTER, Outgoing.Step.DEAD_LETTER_CUT, problem);
  }

  private static boolean isErrorReply(ProducerRecord<byte[], byte[]> reply) {
    return ProtocolHeaders.STATUS_ERROR.equals(ProtocolHeaders.text(reply.headers(), ProtocolHeaders.STATUS));
  }

  private static String deadLetterReason(ProducerRecord<byte[], byte[]> deadLetter) {
    String reason = ProtocolHeaders.text(deadLetter.headers(), ProtocolHeaders.DLQ_REASON);
    return reason == null ? UNDELIVERABLE : reason;
  }

  private static String deadLetterError(ProducerRecord<byte[], byte[]> deadLetter) {
    String error = ProtocolHeaders.text(deadLetter.headers(), ProtocolHeaders.DLQ_ERROR);
    return error == null ? "" : error;
  }
}
