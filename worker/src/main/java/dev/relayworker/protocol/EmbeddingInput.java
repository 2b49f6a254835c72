package dev.relayworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The inputs of one embeddings request, as the relay takes them ({@code POST /v1/embeddings}):
 * {@code input} is one string, an array of strings, one array of token ids, or an array of
 * token-id arrays; each string or token-id array is one input and gets one vector. The
 * {@code options} are every other field of the body ({@code model}, {@code encoding_format},
 * {@code dimensions}, {@code user}, ...): requests with equal options can share one relay call.
 * Immutable; the JSON nodes are not copied and must not be modified.
 *
 * @param items one node per input: a string, or an array of token ids
 * @param tokenIds whether the inputs are token-id arrays rather than strings (the API takes one
 *     kind per call)
 * @param options the body without {@code input}
 */
public record EmbeddingInput(List<JsonNode> items, boolean tokenIds, ObjectNode options) {

  /** Most inputs one call may carry (OpenAI's limit; the relays pass it on). */
  public static final int MAX_ITEMS = 2_048;

  public EmbeddingInput {
    items = List.copyOf(items);
  }

  /**
   * Reads a body the parser has checked and folded ({@link RequestParser}: field names as the
   * relay reads them).
   *
   * @throws IllegalArgumentException when {@code input} is absent or not one of its forms
   */
  public static EmbeddingInput of(ObjectNode body) {
    JsonNode input = body.get("input");
    String problem = problem(input);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    ObjectNode options = body.deepCopy();
    options.remove("input");
    List<JsonNode> items = new ArrayList<>();
    boolean tokens = input.isArray() && (input.get(0).isIntegralNumber() || input.get(0).isArray());
    if (input.isTextual() || input.get(0).isIntegralNumber()) {
      items.add(input); // one string, or one array of token ids
    } else {
      input.forEach(items::add);
    }
    return new EmbeddingInput(items, tokens, options);
  }

  /** What is wrong with an {@code input} field (null: absent), or null when the relay takes it. */
  static String problem(JsonNode input) {
    if (input == null || input.isNull()) {
      return "input is required for /v1/embeddings";
    }
    if (input.isTextual()) {
      return input.asText().isEmpty() ? "input must not be an empty string" : null;
    }
    if (!input.isArray()) {
      return "input must be a string, an array of strings, or token ids, was " + kind(input);
    }
    if (input.isEmpty()) {
      return "input must not be an empty array";
    }
    if (input.size() > MAX_ITEMS) {
      return "input holds " + input.size() + " items, over the relay's limit of " + MAX_ITEMS + " per request";
    }
    JsonNode first = input.get(0);
    for (int i = 0; i < input.size(); i++) {
      JsonNode item = input.get(i);
      String wrong = first.isTextual() ? (!item.isTextual() ? "a string" : item.asText().isEmpty() ? "not empty" : null)
          : first.isIntegralNumber() ? (tokenId(item) ? null : "a token id (an integer 0 or more)")
          : first.isArray() ? tokenIds(item)
          : "a string, a token id or an array of token ids";
      if (wrong != null) {
        return "input[" + i + "] must be " + wrong + ", was " + describe(item);
      }
    }
    return null;
  }

  private static String tokenIds(JsonNode item) {
    if (!item.isArray() || item.isEmpty()) {
      return "a non-empty array of token ids, as input[0] is";
    }
    for (JsonNode id : item) {
      if (!tokenId(id)) {
        return "an array of token ids (integers 0 or more)";
      }
    }
    return null;
  }

  private static boolean tokenId(JsonNode node) {
    return node.isIntegralNumber() && node.canConvertToInt() && node.intValue() >= 0;
  }

  private static String describe(JsonNode node) {
    return node.isTextual() && node.asText().isEmpty() ? "an empty string" : kind(node);
  }

  private static String kind(JsonNode node) {
    return node.getNodeType().name().toLowerCase(Locale.ROOT);
  }
}
