package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FailureClassifierTest {

  @ParameterizedTest(name = "{0} code={2} message={3} x-should-retry={1} -> {4}")
  @CsvSource(nullValues = "-", value = {
      // status, x-should-retry, error code, error message, expected
      "400, -, invalid_text_request, bad prompt, FINAL",
      "401, -, -, invalid token, FINAL",
      "401, -, -, quota used up, FINAL",
      "402, -, -, -, FINAL",
      "403, -, insufficient_user_quota, -, FINAL",
      "404, -, -, -, FINAL",
      "422, -, -, -, FINAL",
      "418, -, -, -, FINAL",
      "503, -, model_not_found, -, FINAL",
      "503, -, -, no available channel for model gpt-4 under group default, FINAL",
      "503, -, -, 当前分组 default 下对于模型 gpt-4 无可用渠道, FINAL",
      "408, -, -, -, TRANSIENT",
      "409, -, -, -, TRANSIENT",
      "429, -, -, -, TRANSIENT",
      "500, -, -, -, TRANSIENT",
      "502, -, -, -, TRANSIENT",
      "503, -, -, upstream overloaded, TRANSIENT",
      "504, -, -, -, TRANSIENT",
      "524, -, -, -, TRANSIENT",
      // Anthropic's Messages API (and new-api's /v1/messages): overloaded.
      "529, -, -, Overloaded, TRANSIENT",
      "400, true, -, -, TRANSIENT",
      "500, false, -, -, FINAL",
      "429, FALSE, -, -, FINAL",
      "503, true, model_not_found, -, TRANSIENT",
  })
  void classifiesAnswersByStatusBodyAndHeader(int status, String shouldRetry, String code, String message,
      FailureKind expected) {
    RelayError error = new RelayError(message, null, null, code);

    assertThat(FailureClassifier.classifyStatus(status, shouldRetry, error)).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource(nullValues = "-", value = {"400, -, -, REQUEST", "404, -, -, REQUEST", "422, -, -, REQUEST",
      "401, -, -, KEY", "402, -, -, KEY",
      "403, insufficient_user_quota, user quota is not enough, KEY",
      "403, -, 该令牌无权使用模型：gpt-4, KEY",
      "403, insufficient_user_quota, 'pre-consume quota failed, user quota: 5, need quota: 9', REQUEST",
      "403, -, -, REQUEST",
      "429, insufficient_quota, You exceeded your current quota, KEY", "429, -, -, RELAY",
      "500, -, -, RELAY", "503, -, -, RELAY", "0, -, -, RELAY"})
  void saysWhoseFaultAnAnswerIsByItsStatusAndBody(int status, String code, String message, FailureSource expected) {
    assertThat(FailureClassifier.sourceOf(status, new RelayError(message, null, null, code))).isEqualTo(expected);
  }

  @ParameterizedTest
  @CsvSource({"timeout, TRANSIENT", "connect-timeout, TRANSIENT", "refused, TRANSIENT", "reset, TRANSIENT",
      "closed, TRANSIENT", "bug, FINAL"})
  void classifiesTransportFailures(String failure, FailureKind expected) {
    Throwable thrown = switch (failure) {
      case "timeout" -> new HttpTimeoutException("request timed out");
      case "connect-timeout" -> new HttpConnectTimeoutException("connect timed out");
      case "refused" -> new ConnectException("Connection refused");
      case "reset" -> new SocketException("Connection reset");
      case "closed" -> new IOException("HTTP/1.1 header parser received no bytes");
      default -> new IllegalStateException("a bug of ours");
    };

    assertThat(FailureClassifier.classifyTransport(thrown)).isEqualTo(expected);
  }
}
