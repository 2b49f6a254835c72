package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The one-api / new-api family's error habits, as their code answers them (see the relay notes),
 * read whole: status, headers and body through {@link AnswerReader}, then classified. One row per
 * habit: whether a retry may help, whether it is the key's outage, and the relay's request ID kept.
 */
class RelayHabitsTest {

  private final AnswerReader reader = new AnswerReader(new ObjectMapper(), RelayKey.fixed(new org.apache.kafka.common.config.types.Password("sk-habits")),
      Clock.systemUTC(), 4 * 1024 * 1024);

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', nullValues = "-", textBlock = """
      # habit                              | status | request id header | body | kind | key outage | relay request id
      one-api global limiter, bare 429     | 429 | - | - | TRANSIENT | false | -
      new-api per-user limit               | 429 | - | {"error":{"message":"您已达到请求数限制：1分钟内最多请求60次","type":"new_api_error","code":null}} | TRANSIENT | false | -
      group upstream saturated             | 429 | 20261202A1 | {"error":{"message":"当前分组上游负载已饱和，请稍后再试 (request id: 20261202A1)","type":"one_api_error"}} | TRANSIENT | false | 20261202A1
      upstream 404 hidden in a 429         | 429 | - | {"error":{"message":"bad response status code 404 (request id: X9)","type":"upstream_error","param":"404","code":"bad_response_status_code"}} | FINAL | false | X9
      upstream 500 passed through          | 500 | - | {"error":{"message":"bad response status code 500","type":"upstream_error","param":"500","code":"bad_response_status_code"}} | TRANSIENT | false | -
      new-api no channel                   | 503 | - | {"error":{"message":"no available channel for model gpt-9 under group vip","type":"new_api_error","code":"model_not_found"}} | FINAL | false | -
      one-api no channel, message only     | 503 | - | {"error":{"message":"当前分组 vip 下对于模型 gpt-9 无可用渠道 (request id: R7)","type":"one_api_error"}} | FINAL | false | R7
      upstream overloaded                  | 503 | - | {"error":{"message":"upstream overloaded","type":"upstream_error"}} | TRANSIENT | false | -
      new-api user quota used up           | 403 | - | {"error":{"message":"用户额度不足, 剩余额度: ＄0.000000 (request id: Q1)","type":"new_api_error","code":"insufficient_user_quota"}} | FINAL | true | Q1
      one-api user quota used up           | 403 | Q2 | {"error":{"message":"user quota is not enough","type":"one_api_error","code":"insufficient_user_quota"}} | FINAL | true | Q2
      pre-charge failed                    | 403 | - | {"error":{"message":"pre-consume token quota failed","type":"new_api_error","code":"pre_consume_token_quota_failed"}} | FINAL | true | -
      quota message without a code         | 403 | - | {"error":{"message":"令牌额度不足","type":"new_api_error"}} | FINAL | true | -
      model not allowed for the group      | 403 | - | {"error":{"message":"该令牌无权使用模型：gpt-4","type":"one_api_error"}} | FINAL | false | -
      invalid key                          | 401 | - | {"error":{"message":"无效的令牌","type":"one_api_error"}} | FINAL | true | -
      old one-api, quota as 401            | 401 | - | {"error":{"message":"该令牌额度已用尽","type":"one_api_error"}} | FINAL | true | -
      payment required                     | 402 | - | {"error":{"message":"insufficient balance","type":"new_api_error"}} | FINAL | true | -
      bad request                          | 400 | - | {"error":{"message":"invalid prompt (request id: B1)","type":"one_api_error","code":"invalid_text_request"}} | FINAL | false | B1
      """)
  void classifiesEachHabit(String habit, int status, String requestIdHeader, String body, FailureKind kind,
      boolean keyOutage, String relayRequestId) {
    Map<String, String> headers = requestIdHeader == null ? Map.of() : Map.of("x-oneapi-request-id", requestIdHeader);
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);

    RelayException failure = catchThrowableOfType(
        () -> reader.read(status, name -> headers.get(name.toLowerCase(Locale.ROOT)), bytes), RelayException.class);

    assertThat(failure.kind()).as(habit).isEqualTo(kind);
    assertThat(FailureClassifier.isKeyOutage(failure.httpStatus(), failure.error())).as(habit).isEqualTo(keyOutage);
    assertThat(failure.relayRequestId()).as(habit).isEqualTo(relayRequestId);
    assertThat(failure.retryAfter()).as(habit).isEmpty();
  }
}
