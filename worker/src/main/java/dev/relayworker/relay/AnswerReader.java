package dev.relayworker.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads relay answers, whichever transport brought them: a {@code text_completion},
 * {@code chat.completion} or embeddings {@code list} (whichever the endpoint answers) on success,
 * the {@code {"error":{...}}} object and the status's meaning on failure; a compressed body is
 * decoded first ({@link AnswerEncoding}). Thread-safe (Jackson's mapper is).
 */
final class AnswerReader {

  private static final int MAX_MESSAGE_CHARS = 300;
  private static final Pattern REQUEST_ID_SUFFIX = Pattern.compile("\\(request id: ([^()\\s]{1,200})\\)\\s*$");

  private final ObjectMapper mapper;
  private final RelayKey key;
  private final Clock clock;
  private final long maxBytes;

  /** @param maxBytes the most bytes an answer may have, also once decoded ({@link AnswerEncoding}) */
  /** @param key the key the answers were asked with: redacted from their texts, told when refused */
  AnswerReader(ObjectMapper mapper, RelayKey key, Clock clock, long maxBytes) {
    this.mapper = mapper;
    this.key = key;
    this.clock = clock;
    this.maxBytes = maxBytes;
  }

  /**
   * The completion a whole answer carries.
   *
   * @param header a header's first value by case-insensitive name, or null when absent
   * @throws RelayException for any answer that is not a completion, classified by
   *     {@link FailureClassifier}, with the relay's retry-after when it sent one
   */
  Completion read(int status, UnaryOperator<String> header, byte[] body) {
    return read(RelayApi.COMPLETIONS, status, header, body);
  }

  /** As {@link #read(int, UnaryOperator, byte[])}, for an answer of {@code api}. */
  Completion read(RelayApi api, int status, UnaryOperator<String> header, byte[] encoded) {
    byte[] body = AnswerEncoding.decode(header.apply("content-encoding"), encoded, status, maxBytes);
    String relayRequestId = firstPresent(header, "x-oneapi-request-id", "x-new-api-request-id", "x-request-id");
    if (status >= 200 && status < 300) {
      return readCompletion(body, status, relayRequestId, api);
    }
    if (status == 401) {
      key.refused(); // A rotated key file is read again before the next call.
    }
    RelayError error = readError(body);
    FailureKind kind = FailureClassifier.classifyStatus(status, header.apply("x-should-retry"), error);
    throw new RelayException(kind, status, error, RetryAfter.parse(header, clock.instant()).orElse(null),
        describe(status, error), relayRequestId != null ? relayRequestId : requestIdInMessage(error.message()));
  }

  /**
   * The relay's request ID as one-api and new-api append it to error messages,
   * {@code "... (request id: 2024...)"}; null when the message has none.
   */
  static String requestIdInMessage(String message) {
    if (message == null) {
      return null;
    }
    Matcher matcher = REQUEST_ID_SUFFIX.matcher(message);
    return matcher.find() ? matcher.group(1) : null;
  }

  /** The failure of an attempt that had no complete answer within {@code timeout}. */
  static RelayException timedOut(Duration timeout) {
    return RelayException.transport(FailureKind.TRANSIENT, "relay call failed:"
        + " HttpTimeoutException: no complete answer within " + timeout.toMillis() + " ms");
  }

  /**
   * The failure of an attempt that got no HTTP answer: named by the exception's class, plus the
   * message of an I/O error, which names the host and port at most; other messages could carry
   * anything, so they are left out.
   */
  static RelayException transportFailure(Throwable cause) {
    String detail = cause instanceof IOException && cause.getMessage() != null ? ": " + cause.getMessage() : "";
    return RelayException.transport(FailureClassifier.classifyTransport(cause),
        "relay call failed: " + cause.getClass().getSimpleName() + truncate(detail));
  }

  static String truncate(String text) {
    return text.length() <= MAX_MESSAGE_CHARS ? text : text.substring(0, MAX_MESSAGE_CHARS) + "...";
  }

  private static String describe(int status, RelayError error) {
    StringBuilder text = new StringBuilder("relay answered ").append(status);
    if (error.code() != null) {
      text.append(" (").append(error.code()).append(')');
    }
    if (error.message() != null) {
      text.append(": ").append(truncate(error.message()));
    }
    return text.toString();
  }

  private static String firstPresent(UnaryOperator<String> header, String... names) {
    for (String name : names) {
      String value = header.apply(name);
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  /**
   * Parses a 2xx body.
   *
   * @throws RelayException transient, when the body is not a completion: a relay that answers
   *     200 with garbage is having a bad moment, and the next attempt usually fares better
   */
  Completion readCompletion(byte[] body, int status, String relayRequestId, RelayApi api) {
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (IOException e) {
      throw malformed(status, "body is not JSON");
    }
    if (root == null || !root.isObject()) {
      throw malformed(status, "body is not a JSON object");
    }
    JsonNode object = root.get(api.kindField());
    if (object != null && !api.objectType().equals(object.asText())) {
      throw malformed(status, api.kindField() + " is '" + object.asText() + "', not '" + api.objectType() + "'");
    }
    if (!root.path(api.resultsField()).isArray()) {
      throw malformed(status, "no " + api.resultsField() + " array");
    }
    return new Completion(body, usage(root.get("usage")), textOrNull(root.get("model")), status, relayRequestId);
  }

  /** Parses an error body; anything unreadable yields {@link RelayError#NONE}. */
  RelayError readError(byte[] body) {
    try {
      JsonNode error = mapper.readTree(body).path("error");
      if (error.isTextual()) {
        return new RelayError(key.redact(error.asText()), null, null, null);
      }
      if (!error.isObject()) {
        return RelayError.NONE;
      }
      return new RelayError(key.redact(textOrNull(error.get("message"))), textOrNull(error.get("type")),
          textOrNull(error.get("param")), textOrNull(error.get("code")));
    } catch (IOException | RuntimeException e) {
      return RelayError.NONE;
    }
  }

  private static Usage usage(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    if (!usage.has("prompt_tokens") && usage.has("input_tokens")) {
      return anthropicUsage(usage);
    }
    long prompt = usage.path("prompt_tokens").asLong();
    long completion = usage.path("completion_tokens").asLong();
    return new Usage(prompt, completion, usage.path("total_tokens").asLong(prompt + completion),
        usage.path("prompt_tokens_details").path("cached_tokens").asLong(),
        usage.path("completion_tokens_details").path("reasoning_tokens").asLong());
  }

  /**
   * Anthropic's convention: {@code input_tokens} counts the prompt tokens neither read from nor
   * written to the cache, {@code cache_read_input_tokens} and {@code cache_creation_input_tokens}
   * the others (new-api #5003 took input_tokens for the whole prompt and the reads out of it, and
   * got negative counts). The prompt is their sum; the reads are its cached tokens; cache writes
   * are priced as prompt tokens.
   */
  private static Usage anthropicUsage(JsonNode usage) {
    long prompt = sum(usage.path("input_tokens").asLong(), usage.path("cache_read_input_tokens").asLong(),
        usage.path("cache_creation_input_tokens").asLong());
    long completion = usage.path("output_tokens").asLong();
    return new Usage(prompt, completion, sum(prompt, completion, 0), usage.path("cache_read_input_tokens").asLong(), 0);
  }

  /** The sum of counts, each negative one taken as 0 (a relay's refund is not a count), saturated. */
  private static long sum(long a, long b, long c) {
    long total = 0;
    for (long count : new long[] {a, b, c}) {
      total = count <= 0 ? total : (total > Long.MAX_VALUE - count ? Long.MAX_VALUE : total + count);
    }
    return total;
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  private static RelayException malformed(int status, String what) {
    return new RelayException(FailureKind.TRANSIENT, status, RelayError.NONE, null,
        "relay answered " + status + " but the " + what);
  }
}
