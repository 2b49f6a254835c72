package dev.relayworker.relay;

import java.io.IOException;
import java.net.http.HttpTimeoutException;
import java.util.Locale;

/**
 * Reads what a failed relay attempt means: whether it is worth repeating, and whose fault it is.
 * The one place HTTP statuses are given a meaning. Pure functions, no state.
 *
 * <p>The rules follow the official OpenAI SDKs (retry 408, 409, 429, 5xx, timeouts, connection
 * errors; {@code x-should-retry} overrides the status) with the one-api / new-api family's
 * habits on top:
 * <ul>
 *   <li>a used-up or refused key (401, 402, 403 {@code insufficient_user_quota} with no request's
 *       need in it, and OpenAI's 429 {@code insufficient_quota}) is final for the request but an
 *       outage of the key ({@link #isKeyOutage}), which the worker waits out instead of answering;
 *   <li>new-api's pre-charge refusal ("pre-consume quota failed, user quota: X, need quota: Y", or
 *       {@code pre_consume_token_quota_failed}) is about one request too large for the balance, not
 *       the key ({@link #isOverBalance}): final for that request, while smaller ones still pass;
 *   <li>a 403 whose body says the model is not allowed for the key's group, or the group is
 *       disabled, is the group's ({@link #isModelNotServed}); any other 403 (a firewall in front
 *       of the relay refusing a prompt) is final for the request alone;
 *   <li>a 503 that says no channel serves the model (new-api's code {@code model_not_found}, or
 *       one-api's bare message {@code 当前分组 X 下对于模型 Y 无可用渠道}) is a configuration problem:
 *       final;
 *   <li>a 429 is transient whatever its body: a bare one with no body and no Retry-After (one-api's
 *       global limiter), new-api's per-user limit, or a group whose upstream is saturated
 *       ({@code 当前分组上游负载已饱和});
 *   <li>an upstream's own 4xx passed through as {@code upstream_error} with code
 *       {@code bad_response_status_code} and the status in {@code param} (even when the relay
 *       answers it with 429 or 5xx) is final, as that 4xx would be.
 * </ul>
 */
public final class FailureClassifier {

  private FailureClassifier() {}

  /**
   * Classifies a non-2xx answer.
   *
   * @param status the HTTP status
   * @param shouldRetry the {@code x-should-retry} header, or null when absent
   * @param error the parsed error body, {@link RelayError#NONE} when there was none
   */
  public static FailureKind classifyStatus(int status, String shouldRetry, RelayError error) {
    if ("true".equalsIgnoreCase(shouldRetry)) {
      return FailureKind.TRANSIENT;
    }
    if ("false".equalsIgnoreCase(shouldRetry)) {
      return FailureKind.FINAL;
    }
    if (status == 503 && noChannelForModel(error)) {
      return FailureKind.FINAL;
    }
    if (upstreamClientError(error)) {
      return FailureKind.FINAL;
    }
    if (status == 429 && accountQuotaUsedUp(error)) {
      return FailureKind.FINAL;
    }
    return switch (status) {
      case 408, 409, 429 -> FailureKind.TRANSIENT;
      default -> status >= 500 ? FailureKind.TRANSIENT : FailureKind.FINAL;
    };
  }

  /**
   * Whose fault an answer is, by its status and what its body says; 0 (no answer) is the
   * relay's. A 403 is the key's (or its group's) only when it says so: quota used up, model not
   * allowed, group disabled; one refusing a request too large for the balance, or saying nothing
   * the worker knows (a firewall's page), is the request's.
   */
  public static FailureSource sourceOf(int status, RelayError error) {
    return switch (status) {
      case 400, 404, 422 -> FailureSource.REQUEST;
      case 401, 402 -> FailureSource.KEY;
      case 403 -> isKeyOutage(status, error) || groupRefusesModel(error) ? FailureSource.KEY : FailureSource.REQUEST;
      case 429 -> accountQuotaUsedUp(error) ? FailureSource.KEY : FailureSource.RELAY;
      default -> FailureSource.RELAY;
    };
  }

  /**
   * Whether an answer says the key itself cannot be used now: used up (403
   * {@code insufficient_user_quota} or {@code pre_consume_token_quota_failed}, or the message of
   * either), payment required (402), or refused (401: invalid, expired, disabled, or, on older
   * one-api versions, out of quota). Such failures are the key's, not the request's.
   */
  public static boolean isKeyOutage(int status, RelayError error) {
    return switch (status) {
      case 401, 402 -> true;
      case 403 -> quotaUsedUp(error) && !overBalance(error);
      case 429 -> accountQuotaUsedUp(error);
      default -> false;
    };
  }

  /**
   * Whether a 429 throttles the whole key rather than the one model it was for: a bare 429 with
   * no error (one-api's global limiter, per client) or new-api's per-user request limiter
   * (您已达到请求数限制). Other 429s are per model: OpenAI's limits are per model, and the relays'
   * "upstream saturated" (当前分组上游负载已饱和) is about the channels of one model in one group.
   */
  public static boolean isKeyWideThrottle(int status, RelayError error) {
    if (status != 429) {
      return false;
    }
    if (error == null || (blank(error.message()) && blank(error.code()) && blank(error.type()))) {
      return true;
    }
    return error.message() != null && error.message().contains("请求数限制");
  }

  private static boolean blank(String text) {
    return text == null || text.isBlank();
  }

  /**
   * Whether an answer refuses one request as too large for what is left of the balance: new-api
   * pre-charges a request's worst case (its prompt and {@code max_tokens}) and refuses it with
   * "pre-consume quota failed, user quota: X, need quota: Y" (or {@code
   * pre_consume_token_quota_failed} for the key's own quota). A smaller request may still pass: the
   * key is not out.
   */
  public static boolean isOverBalance(int status, RelayError error) {
    return status == 403 && overBalance(error);
  }

  /**
   * Whether an answer says the key's group does not serve the model, though another group may: a
   * 503 no-channel answer, or a 403 saying the model is not allowed for the key or its group, or
   * the group is disabled. Final for this key, and no fault of the request.
   */
  public static boolean isModelNotServed(int status, RelayError error) {
    return (status == 503 && noChannelForModel(error)) || (status == 403 && groupRefusesModel(error));
  }

  private static boolean overBalance(RelayError error) {
    if ("pre_consume_token_quota_failed".equals(error.code())) {
      return true;
    }
    String message = lower(error.message());
    return message.contains("pre-consume") || message.contains("need quota") || message.contains("预扣");
  }

  /** OpenAI's (and Azure's) used-up account: a 429 whose type or code is {@code insufficient_quota}. */
  private static boolean accountQuotaUsedUp(RelayError error) {
    return "insufficient_quota".equals(error.code()) || "insufficient_quota".equals(error.type());
  }

  /** A 403 body saying the key or its group may not use the model, or the group is disabled. */
  private static boolean groupRefusesModel(RelayError error) {
    if ("model_not_allowed".equals(error.code())) {
      return true;
    }
    String message = lower(error.message());
    // one-api / new-api: "该令牌无权使用模型：M", "该令牌无权访问模型 M", "分组 G 已被禁用"; OpenAI-style English.
    return message.contains("无权使用模型") || message.contains("无权访问") || message.contains("已被禁用")
        || message.contains("may not use model") || message.contains("not allowed to use")
        || message.contains("does not have access to model") || message.contains("group is disabled");
  }

  private static String lower(String text) {
    return text == null ? "" : text.toLowerCase(Locale.ROOT);
  }

  private static boolean quotaUsedUp(RelayError error) {
    if ("insufficient_user_quota".equals(error.code()) || "pre_consume_token_quota_failed".equals(error.code())
        || "insufficient_quota".equals(error.code())) {
      return true;
    }
    String message = error.message() == null ? "" : error.message().toLowerCase(Locale.ROOT);
    // one-api: "user quota is not enough"; new-api: "用户额度不足" / "令牌额度不足" (token quota).
    return message.contains("quota is not enough") || message.contains("额度不足")
        || message.contains("insufficient_user_quota") || message.contains("quota exhausted");
  }

  /** An upstream's own 4xx, passed through by the relay under its own status. */
  private static boolean upstreamClientError(RelayError error) {
    if (!"bad_response_status_code".equals(error.code()) || error.param() == null) {
      return false;
    }
    try {
      int upstream = Integer.parseInt(error.param().trim());
      return upstream >= 400 && upstream < 500 && upstream != 408 && upstream != 409 && upstream != 429;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Classifies an attempt that got no HTTP answer at all. */
  public static FailureKind classifyTransport(Throwable failure) {
    // HttpTimeoutException (and HttpConnectTimeoutException) are IOExceptions too; named for the reader.
    if (failure instanceof HttpTimeoutException || failure instanceof IOException) {
      return FailureKind.TRANSIENT;
    }
    return FailureKind.FINAL;
  }

  private static boolean noChannelForModel(RelayError error) {
    if ("model_not_found".equals(error.code())) {
      return true;
    }
    String message = error.message() == null ? "" : error.message().toLowerCase(Locale.ROOT);
    // new-api: "no available channel for model X under group Y"; one-api: "...无可用渠道".
    return message.contains("no available channel") || message.contains("无可用渠道");
  }
}
