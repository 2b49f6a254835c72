package dev.relayworker.batch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.relay.RelayApi;

/**
 * One line of an OpenAI Batch API input file, checked: {@code {"custom_id": "...", "method":
 * "POST", "url": "/v1/completions", "/v1/chat/completions", "/v1/embeddings" or "/v1/messages", "body": {...}}}. Immutable.
 *
 * @param number the line's number in the file, from 1
 * @param customId the caller's ID for the line, echoed on its output line
 * @param body the request body, sent to the worker unchanged
 * @param endpoint the endpoint its {@code url} names, sent as the request's {@code endpoint} header
 */
public record BatchLine(int number, String customId, byte[] body, RelayApi endpoint) {

  /** A line that cannot be sent: its number, its custom_id when it had a usable one, and why. */
  public record Bad(int number, String customId, String problem) {}

  /** The result of reading one line: exactly one of the two is set. */
  public record Parsed(BatchLine line, Bad bad) {}

  /** Reads line {@code number}; never throws for bad content. Stateless; any thread. */
  public static Parsed parse(int number, String text, ObjectMapper json) {
    JsonNode node;
    try {
      node = json.readTree(text);
    } catch (JsonProcessingException e) {
      return bad(number, null, "not valid JSON (" + e.getOriginalMessage() + ")");
    }
    if (node == null || !node.isObject()) {
      return bad(number, null, "not a JSON object");
    }
    JsonNode id = node.get("custom_id");
    if (id == null || !id.isTextual() || id.asText().isEmpty()) {
      return bad(number, null, "custom_id missing or not a non-empty string");
    }
    String customId = id.asText();
    if (!"POST".equals(node.path("method").asText(null))) {
      return bad(number, customId, "method must be \"POST\"");
    }
    String url = node.path("url").asText("");
    RelayApi endpoint = RelayApi.ofPath(url).filter(named -> url.startsWith("/")).orElse(null);
    if (endpoint == null) {
      return bad(number, customId, "url must be \"/v1/completions\", \"/v1/chat/completions\", \"/v1/embeddings\""
          + " or \"/v1/messages\", the endpoints this worker serves");
    }
    JsonNode body = node.get("body");
    if (body == null || !body.isObject()) {
      return bad(number, customId, "body missing or not a JSON object");
    }
    try {
      return new Parsed(new BatchLine(number, customId, json.writeValueAsBytes(body), endpoint), null);
    } catch (JsonProcessingException e) {
      return bad(number, customId, "body cannot be written back as JSON");
    }
  }

  private static Parsed bad(int number, String customId, String problem) {
    return new Parsed(null, new Bad(number, customId, problem));
  }
}
