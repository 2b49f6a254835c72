package dev.relayworker.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * Reads relay answer bodies: a {@code text_completion} on success, the
 * {@code {"error":{...}}} object on failure. Thread-safe (Jackson's mapper is).
 */
final class AnswerReader {

  private final ObjectMapper mapper;
  private final KeyRedactor redactor;

  AnswerReader(ObjectMapper mapper, KeyRedactor redactor) {
    this.mapper = mapper;
    this.redactor = redactor;
  }

  /**
   * Parses a 2xx body.
   *
   * @throws RelayException transient, when the body is not a completion: a relay that answers
   *     200 with garbage is having a bad moment, and the next attempt usually fares better
   */
  Completion readCompletion(byte[] body, int status, String relayRequestId) {
    JsonNode root;
    try {
      root = mapper.readTree(body);
    } catch (IOException e) {
      throw malformed(status, "body is not JSON");
    }
    if (root == null || !root.isObject()) {
      throw malformed(status, "body is not a JSON object");
    }
    JsonNode object = root.get("object");
    if (object != null && !"text_completion".equals(object.asText())) {
      throw malformed(status, "object is '" + object.asText() + "', not 'text_completion'");
    }
    if (!root.path("choices").isArray()) {
      throw malformed(status, "no choices array");
    }
    return new Completion(body, usage(root.get("usage")), textOrNull(root.get("model")), status, relayRequestId);
  }

  /** Parses an error body; anything unreadable yields {@link RelayError#NONE}. */
  RelayError readError(byte[] body) {
    try {
      JsonNode error = mapper.readTree(body).path("error");
      if (error.isTextual()) {
        return new RelayError(redactor.redact(error.asText()), null, null, null);
      }
      if (!error.isObject()) {
        return RelayError.NONE;
      }
      return new RelayError(redactor.redact(textOrNull(error.get("message"))), textOrNull(error.get("type")),
          textOrNull(error.get("param")), textOrNull(error.get("code")));
    } catch (IOException | RuntimeException e) {
      return RelayError.NONE;
    }
  }

  private static Usage usage(JsonNode usage) {
    if (usage == null || !usage.isObject()) {
      return null;
    }
    long prompt = usage.path("prompt_tokens").asLong();
    long completion = usage.path("completion_tokens").asLong();
    return new Usage(prompt, completion, usage.path("total_tokens").asLong(prompt + completion));
  }

  private static String textOrNull(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  private static RelayException malformed(int status, String what) {
    return new RelayException(FailureKind.TRANSIENT, status, RelayError.NONE, null,
        "relay answered " + status + " but the " + what);
  }
}
