package dev.relayworker.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;

/**
 * The simulator's failure answers, in the words of each {@link Flavor}. Thread-safe (Jackson's
 * mapper is).
 */
final class RelayErrors {

  /** A whole answer: status, body and extra headers. */
  record Answer(HttpResponseStatus status, byte[] body, Map<String, String> headers) {
    Answer(HttpResponseStatus status, byte[] body) {
      this(status, body, Map.of());
    }
  }

  private final ObjectMapper mapper;

  RelayErrors(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** A rate limit (requests or tokens per minute) refused the request; {@code wait} until it would fit. */
  Answer rateLimited(Flavor flavor, Duration wait, String what, String requestId) {
    return switch (flavor) {
      case OPENAI -> withRetryAfter(new Answer(HttpResponseStatus.TOO_MANY_REQUESTS,
          error("rate limit reached: " + what, "rate_limit_error", null, "rate_limit_exceeded")), wait);
      // one-api's global limiter: nothing but the status.
      case ONE_API -> new Answer(HttpResponseStatus.TOO_MANY_REQUESTS, new byte[0]);
      case NEW_API -> new Answer(HttpResponseStatus.TOO_MANY_REQUESTS,
          error(tagged(flavor, "您已达到请求数限制：" + what, requestId), "new_api_error", null, null));
    };
  }

  /** The upstream behind the group is saturated (an injected 429). */
  Answer saturated(Flavor flavor, Duration wait, String requestId) {
    return switch (flavor) {
      case OPENAI -> withRetryAfter(new Answer(HttpResponseStatus.TOO_MANY_REQUESTS,
          error("upstream saturated (simulated)", "rate_limit_error", null, "rate_limit_exceeded")), wait);
      case ONE_API, NEW_API -> new Answer(HttpResponseStatus.TOO_MANY_REQUESTS,
          error(tagged(flavor, "当前分组上游负载已饱和，请稍后再试", requestId), typeOf(flavor), null, null));
    };
  }

  /** The key's quota is used up. */
  Answer quotaUsedUp(Flavor flavor, String requestId) {
    return switch (flavor) {
      case OPENAI -> new Answer(HttpResponseStatus.FORBIDDEN,
          error("user quota is not enough", "insufficient_quota", null, "insufficient_user_quota"));
      case ONE_API -> new Answer(HttpResponseStatus.FORBIDDEN,
          error(tagged(flavor, "user quota is not enough", requestId), "one_api_error", null,
              "insufficient_user_quota"));
      case NEW_API -> new Answer(HttpResponseStatus.FORBIDDEN,
          error(tagged(flavor, "用户额度不足, 剩余额度: ＄0.000000", requestId), "new_api_error", null,
              "insufficient_user_quota"));
    };
  }

  /** No channel serves {@code model} in the key's {@code group}. */
  Answer noChannel(Flavor flavor, String model, String group, String requestId) {
    return switch (flavor) {
      case OPENAI, NEW_API -> new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE,
          error(tagged(flavor, "no available channel for model " + model + " under group " + group, requestId),
              "new_api_error", null, "model_not_found"));
      // one-api says it in Chinese only, with no code.
      case ONE_API -> new Answer(HttpResponseStatus.SERVICE_UNAVAILABLE,
          error(tagged(flavor, "当前分组 " + group + " 下对于模型 " + model + " 无可用渠道", requestId), "one_api_error",
              null, null));
    };
  }

  /** The key (its group) may not use {@code model}: a 403 with no quota code. */
  Answer modelNotAllowed(Flavor flavor, String model, String requestId) {
    return switch (flavor) {
      case OPENAI -> new Answer(HttpResponseStatus.FORBIDDEN,
          error("this key may not use model " + model, "invalid_request_error", "model", "model_not_allowed"));
      // one-api's token model limit answers in Chinese only.
      case ONE_API, NEW_API -> new Answer(HttpResponseStatus.FORBIDDEN,
          error(tagged(flavor, "该令牌无权使用模型：" + model, requestId), flavor == Flavor.ONE_API ? "one_api_error"
              : "new_api_error", null, null));
    };
  }

  /** A bad, expired or disabled key. */
  Answer invalidKey(Flavor flavor, String requestId) {
    return switch (flavor) {
      case OPENAI -> new Answer(HttpResponseStatus.UNAUTHORIZED,
          error("invalid or expired API key", "new_api_error", null, "invalid_api_key"));
      case ONE_API, NEW_API -> new Answer(HttpResponseStatus.UNAUTHORIZED,
          error(tagged(flavor, "无效的令牌", requestId), typeOf(flavor), null, null));
    };
  }

  /** An injected upstream failure with {@code status}. */
  Answer upstream(Flavor flavor, HttpResponseStatus status, String requestId) {
    return new Answer(status, error(tagged(flavor, "upstream error (simulated " + status.code() + ")", requestId),
        "upstream_error", flavor == Flavor.OPENAI ? null : Integer.toString(status.code()),
        flavor == Flavor.OPENAI ? null : "bad_response_status_code"));
  }

  /** A request the simulator cannot answer. */
  Answer invalidRequest(Flavor flavor, String message, String param, String requestId) {
    return new Answer(HttpResponseStatus.BAD_REQUEST,
        error(tagged(flavor, message, requestId), flavor == Flavor.OPENAI ? "invalid_request_error" : typeOf(flavor),
            param, "invalid_text_request"));
  }

  /** An error in Anthropic's shape, as new-api answers its Messages endpoint: {@code {"type":"error","error":{...}}}. */
  Answer anthropic(HttpResponseStatus status, String type, String message) {
    ObjectNode root = mapper.createObjectNode().put("type", "error");
    root.putObject("error").put("type", type).put("message", message);
    try {
      return new Answer(status, mapper.writeValueAsBytes(root));
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise an error", e);
    }
  }

  byte[] error(String message, String type, String param, String code) {
    ObjectNode root = mapper.createObjectNode();
    ObjectNode error = root.putObject("error");
    error.put("message", message);
    error.put("type", type);
    error.put("param", param);
    error.put("code", code);
    try {
      return mapper.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise an error", e);
    }
  }

  private static String typeOf(Flavor flavor) {
    return flavor == Flavor.ONE_API ? "one_api_error" : "new_api_error";
  }

  private static String tagged(Flavor flavor, String message, String requestId) {
    return flavor.tagsRequests() ? message + " (request id: " + requestId + ")" : message;
  }

  private static Answer withRetryAfter(Answer answer, Duration wait) {
    long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
    return new Answer(answer.status(), answer.body(),
        Map.of("Retry-After", Long.toString(seconds), "retry-after-ms", Long.toString(wait.toMillis())));
  }
}
