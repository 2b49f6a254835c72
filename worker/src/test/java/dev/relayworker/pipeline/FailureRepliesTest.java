package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.protocol.ErrorType;
import dev.relayworker.relay.FailureKind;
import dev.relayworker.relay.RelayError;
import dev.relayworker.relay.RelayException;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallFailedException.Reason;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FailureRepliesTest {

  @ParameterizedTest
  @CsvSource({
      "REJECTED, 400, INVALID_REQUEST", "REJECTED, 404, INVALID_REQUEST", "REJECTED, 422, INVALID_REQUEST",
      "REJECTED, 401, AUTHENTICATION", "REJECTED, 403, AUTHENTICATION", "REJECTED, 402, AUTHENTICATION",
      "REJECTED, 503, RELAY_ERROR", "RETRIES_EXHAUSTED, 502, RETRIES_EXHAUSTED",
      "DEADLINE_EXCEEDED, 500, DEADLINE_EXCEEDED", "DEADLINE_EXCEEDED, 0, DEADLINE_EXCEEDED"})
  void mapsWhyACallGaveUpToTheReplysErrorType(Reason reason, int status, ErrorType expected) {
    RelayException last = status == 0 ? null
        : new RelayException(FailureKind.FINAL, status, new RelayError("m", "t", "p", "c"), null, "relay answered");
    CallFailedException failure = new CallFailedException(reason, 1, 1, last, "gave up");

    assertThat(FailureReplies.toReplyError(failure).type()).isEqualTo(expected);
    assertThat(FailureReplies.httpStatus(failure)).isEqualTo(status);
  }
}
