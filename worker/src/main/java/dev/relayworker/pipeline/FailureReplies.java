package dev.relayworker.pipeline;

import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ReplyError;
import dev.relayworker.relay.FailureClassifier;
import dev.relayworker.relay.RelayError;
import dev.relayworker.relay.RelayException;
import dev.relayworker.resilience.CallFailedException;

/** Turns a relay call that gave up into the error a requester reads. Pure. */
final class FailureReplies {

  private FailureReplies() {}

  static ReplyError toReplyError(CallFailedException failure) {
    RelayError relay = failure.lastFailure().map(RelayException::error).orElse(RelayError.NONE);
    ErrorType type = switch (failure.reason()) {
      case DEADLINE_EXCEEDED -> ErrorType.DEADLINE_EXCEEDED;
      case RETRIES_EXHAUSTED -> ErrorType.RETRIES_EXHAUSTED;
      case UNROUTABLE, UNPRICED -> ErrorType.INVALID_REQUEST;
      case OVER_BUDGET -> ErrorType.BUDGET_EXCEEDED;
      case REJECTED, CIRCUIT_OPEN, HELD, PAUSED -> failure.lastFailure().map(FailureReplies::byMeaning)
          .orElse(ErrorType.RELAY_ERROR);
    };
    return new ReplyError(type, failure.getMessage(), relay.param(), relay.code());
  }

  /** The relay's status on the last attempt, or 0 when it never answered. */
  static int httpStatus(CallFailedException failure) {
    return failure.lastFailure().map(RelayException::httpStatus).orElse(0);
  }

  /** The relay's own ID of the last attempt, when it sent one. */
  static String relayRequestId(CallFailedException failure) {
    return failure.lastFailure().map(RelayException::relayRequestId).orElse(null);
  }

  private static ErrorType byMeaning(RelayException last) {
    if (FailureClassifier.isOverBalance(last.httpStatus(), last.error())) {
      return ErrorType.INSUFFICIENT_QUOTA;
    }
    return switch (last.source()) {
      case REQUEST -> ErrorType.INVALID_REQUEST;
      case KEY -> ErrorType.AUTHENTICATION;
      case RELAY -> ErrorType.RELAY_ERROR;
    };
  }
}
