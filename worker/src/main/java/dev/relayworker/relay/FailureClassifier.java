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
 * habits on top: 401 also means "quota used up" and 403 "model not in your group", both final;
 * a 503 that says no channel serves the model is a configuration problem, so also final.
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
    return switch (status) {
      case 408, 409, 429 -> FailureKind.TRANSIENT;
      default -> status >= 500 ? FailureKind.TRANSIENT : FailureKind.FINAL;
    };
  }

  /** Whose fault an answer with {@code status} is; 0 (no answer) is the relay's. */
  public static FailureSource sourceOf(int status) {
    return switch (status) {
      case 400, 404, 422 -> FailureSource.REQUEST;
      case 401, 403 -> FailureSource.KEY;
      default -> FailureSource.RELAY;
    };
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
