package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
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
      # habit                              | status | request id header | body | kind | meaning | relay request id
      one-api global limiter, bare 429     | 429 | - | - | TRANSIENT | relay | -
      new-api per-user limit               | 429 | - | {"error":{"message":"您已达到请求数限制：1分钟内最多请求60次","type":"new_api_error","code":null}} | TRANSIENT | relay | -
      group upstream saturated             | 429 | 20261202A1 | {"error":{"message":"当前分组上游负载已饱和，请稍后再试 (request id: 20261202A1)","type":"one_api_error"}} | TRANSIENT | relay | 20261202A1
      upstream 404 hidden in a 429         | 429 | - | {"error":{"message":"bad response status code 404 (request id: X9)","type":"upstream_error","param":"404","code":"bad_response_status_code"}} | FINAL | relay | X9
      OpenAI account out of quota          | 429 | - | {"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}} | FINAL | key outage | -
      upstream 500 passed through          | 500 | - | {"error":{"message":"bad response status code 500","type":"upstream_error","param":"500","code":"bad_response_status_code"}} | TRANSIENT | relay | -
      new-api no channel                   | 503 | - | {"error":{"message":"no available channel for model gpt-9 under group vip","type":"new_api_error","code":"model_not_found"}} | FINAL | not served | -
      one-api no channel, message only     | 503 | - | {"error":{"message":"当前分组 vip 下对于模型 gpt-9 无可用渠道 (request id: R7)","type":"one_api_error"}} | FINAL | not served | R7
      upstream overloaded                  | 503 | - | {"error":{"message":"upstream overloaded","type":"upstream_error"}} | TRANSIENT | relay | -
      new-api user quota used up           | 403 | - | {"error":{"message":"用户额度不足, 剩余额度: ＄0.000000 (request id: Q1)","type":"new_api_error","code":"insufficient_user_quota"}} | FINAL | key outage | Q1
      one-api user quota used up           | 403 | Q2 | {"error":{"message":"user quota is not enough","type":"one_api_error","code":"insufficient_user_quota"}} | FINAL | key outage | Q2
      new-api pre-charge of one request    | 403 | - | {"error":{"message":"pre-consume quota failed, user quota: 1200, need quota: 24576 (request id: P1)","type":"new_api_error","code":"insufficient_user_quota"}} | FINAL | over balance | P1
      pre-charge of the key's own quota    | 403 | - | {"error":{"message":"pre-consume token quota failed","type":"new_api_error","code":"pre_consume_token_quota_failed"}} | FINAL | over balance | -
      quota message without a code         | 403 | - | {"error":{"message":"令牌额度不足","type":"new_api_error"}} | FINAL | key outage | -
      model not allowed for the group      | 403 | - | {"error":{"message":"该令牌无权使用模型：gpt-4","type":"one_api_error"}} | FINAL | not served | -
      model not allowed, English           | 403 | - | {"error":{"message":"this key may not use model gpt-4","type":"invalid_request_error","code":"model_not_allowed"}} | FINAL | not served | -
      group disabled                       | 403 | - | {"error":{"message":"分组 vip 已被禁用","type":"new_api_error"}} | FINAL | not served | -
      a firewall's page                    | 403 | - | <html><body><h1>403 Forbidden</h1>Request blocked.</body></html> | FINAL | request | -
      a bare 403                           | 403 | - | - | FINAL | request | -
      invalid key                          | 401 | - | {"error":{"message":"无效的令牌","type":"one_api_error"}} | FINAL | key outage | -
      old one-api, quota as 401            | 401 | - | {"error":{"message":"该令牌额度已用尽","type":"one_api_error"}} | FINAL | key outage | -
      payment required                     | 402 | - | {"error":{"message":"insufficient balance","type":"new_api_error"}} | FINAL | key outage | -
      bad request                          | 400 | - | {"error":{"message":"invalid prompt (request id: B1)","type":"one_api_error","code":"invalid_text_request"}} | FINAL | request | B1
      """)
  void classifiesEachHabit(String habit, int status, String requestIdHeader, String body, FailureKind kind,
      String meaning, String relayRequestId) {
    Map<String, String> headers = requestIdHeader == null ? Map.of() : Map.of("x-oneapi-request-id", requestIdHeader);
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);

    RelayException failure = catchThrowableOfType(
        () -> reader.read(status, name -> headers.get(name.toLowerCase(Locale.ROOT)), bytes), RelayException.class);

    assertThat(failure.kind()).as(habit).isEqualTo(kind);
    assertThat(meaning(failure)).as(habit).isEqualTo(meaning);
    assertThat(failure.relayRequestId()).as(habit).isEqualTo(relayRequestId);
    assertThat(failure.retryAfter()).as(habit).isEmpty();
  }

  @Test
  void anAnswersCachedAndReasoningTokensAreReadWithItsUsage() throws Exception {
    byte[] body = ("{\"id\":\"chatcmpl-1\",\"object\":\"text_completion\",\"model\":\"o4-mini\",\"choices\":[],"
        + "\"usage\":{\"prompt_tokens\":2006,\"completion_tokens\":300,\"total_tokens\":2306,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":1920,\"audio_tokens\":0},"
        + "\"completion_tokens_details\":{\"reasoning_tokens\":192,\"audio_tokens\":0}}}")
        .getBytes(StandardCharsets.UTF_8);

    Completion completion = reader.read(200, name -> null, body);

    assertThat(completion.usage()).contains(new Usage(2006, 300, 2306, 1920, 192));
  }

  @Test
  void anAnthropicStyleUsageCountsTheCacheReadsAndWritesIntoThePrompt() throws Exception {
    byte[] body = ("{\"id\":\"chatcmpl-2\",\"object\":\"text_completion\",\"model\":\"claude-sonnet-4\","
        + "\"choices\":[],\"usage\":{\"input_tokens\":50,\"cache_read_input_tokens\":1800,"
        + "\"cache_creation_input_tokens\":200,\"output_tokens\":120}}").getBytes(StandardCharsets.UTF_8);
    byte[] absurd = ("{\"id\":\"chatcmpl-3\",\"object\":\"text_completion\",\"model\":\"claude-sonnet-4\","
        + "\"choices\":[],\"usage\":{\"input_tokens\":-50,\"cache_read_input_tokens\":9223372036854775807,"
        + "\"cache_creation_input_tokens\":5,\"output_tokens\":1}}").getBytes(StandardCharsets.UTF_8);

    Usage usage = reader.read(200, name -> null, body).usage().orElseThrow();
    Usage saturated = reader.read(200, name -> null, absurd).usage().orElseThrow();

    // 50 uncached + 1,800 read + 200 written: 2,050 prompt tokens, of which 1,800 cached; never negative.
    assertThat(usage).isEqualTo(new Usage(2_050, 120, 2_170, 1_800, 0));
    assertThat(saturated.promptTokens()).isEqualTo(Long.MAX_VALUE);
    assertThat(saturated.within(1_000)).isEqualTo(new Usage(1_000, 1, 1_001, 1_000, 0));
  }

  /**
   * What the worker makes of a failure: the key is out (hold the route), the request is over the
   * balance (answer it, or try another key), the group does not serve the model (skip the route for
   * it), or whose fault it is otherwise.
   */
  private static String meaning(RelayException failure) {
    int status = failure.httpStatus();
    if (FailureClassifier.isKeyOutage(status, failure.error())) {
      assertThat(failure.source()).isEqualTo(FailureSource.KEY);
      return "key outage";
    }
    if (FailureClassifier.isOverBalance(status, failure.error())) {
      return "over balance";
    }
    if (FailureClassifier.isModelNotServed(status, failure.error())) {
      return "not served";
    }
    return failure.source().name().toLowerCase(Locale.ROOT);
  }
}
