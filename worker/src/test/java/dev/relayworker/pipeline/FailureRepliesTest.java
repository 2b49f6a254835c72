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
  @CsvSource(delimiter = '|', textBlock = """
      REJECTED          | 400 | m                                                       | INVALID_REQUEST
      REJECTED          | 404 | m                                                       | INVALID_REQUEST
      REJECTED          | 422 | m                                                       | INVALID_REQUEST
      REJECTED          | 401 | m                                                       | AUTHENTICATION
      REJECTED          | 402 | m                                                       | AUTHENTICATION
      REJECTED          | 403 | 该令牌无权使用模型：gpt-4                                   | AUTHENTICATION
      REJECTED          | 403 | user quota is not enough                                | AUTHENTICATION
      REJECTED          | 403 | pre-consume quota failed, user quota: 5, need quota: 900 | INSUFFICIENT_QUOTA
      REJECTED          | 403 | <html>Request blocked</html>                            | INVALID_REQUEST
      HELD              | 429 | You exceeded your current quota                         | AUTHENTICATION
      REJECTED          | 503 | m                                                       | RELAY_ERROR
      RETRIES_EXHAUSTED | 502 | m                                                       | RETRIES_EXHAUSTED
      DEADLINE_EXCEEDED | 500 | m                                                       | DEADLINE_EXCEEDED
      DEADLINE_EXCEEDED | 0   | m                                                       | DEADLINE_EXCEEDED
      """)
  void mapsWhyACallGaveUpToTheReplysErrorType(Reason reason, int status, String message, ErrorType expected) {
    String code = message.startsWith("You exceeded") ? "insufficient_quota" : "c";
    RelayException last = status == 0 ? null
        : new RelayException(FailureKind.FINAL, status, new RelayError(message, "t", "p", code), null, "relay answered");
    CallFailedException failure = new CallFailedException(reason, 1, 1, last, "gave up");

    assertThat(FailureReplies.toReplyError(failure).type()).isEqualTo(expected);
    assertThat(FailureReplies.httpStatus(failure)).isEqualTo(status);
  }
}
