package dev.relayworker.pipeline;

import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ReplyError;
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
      case REJECTED, CIRCUIT_OPEN -> byStatus(httpStatus(failure));
    };
    return new ReplyError(type, failure.getMessage(), relay.param(), relay.code());
  }

  /** The relay's status on the last attempt, or 0 when it never answered. */
  static int httpStatus(CallFailedException failure) {
    return failure.lastFailure().map(RelayException::httpStatus).orElse(0);
  }

  private static ErrorType byStatus(int status) {
    return switch (status) {
      case 400, 404, 422 -> ErrorType.INVALID_REQUEST;
      case 401, 403 -> ErrorType.AUTHENTICATION;
      default -> ErrorType.RELAY_ERROR;
    };
  }
}
