package dev.relayworker.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request body's top-level fields as the relay will read them. The relays of this family are
 * written in Go, whose JSON decoder matches object keys to fields case-insensitively (under
 * Unicode simple folding) and lets the last matching key win: {@code {"stream":false,"Stream":true}}
 * streams. Checks that look at {@code root.get("stream")} would be fooled; checks made through
 * {@link #get} see what the relay sees.
 *
 * <p>Immutable once read; not thread-safe while reading.
 */
final class RelayFields {

  private final ObjectNode root;
  private final Map<String, JsonNode> byFoldedName;

  private RelayFields(ObjectNode root, Map<String, JsonNode> byFoldedName) {
    this.root = root;
    this.byFoldedName = byFoldedName;
  }

  /**
   * Reads a top-level JSON object.
   *
   * @return the fields, or null when the body is valid JSON but not an object ({@code kind} tells what)
   * @throws IOException when the body is not JSON, or has content after the object
   */
  static RelayFields read(ObjectMapper mapper, byte[] json, StringBuilder kind) throws IOException {
    try (JsonParser parser = mapper.createParser(json)) {
      JsonToken first = parser.nextToken();
      if (first != JsonToken.START_OBJECT) {
        JsonNode other = first == null ? null : mapper.readTree(parser);
        kind.append(other == null ? "nothing" : other.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        return null;
      }
      ObjectNode root = mapper.createObjectNode();
      Map<String, JsonNode> folded = new HashMap<>();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        parser.nextToken();
        JsonNode value = mapper.readTree(parser);
        root.set(name, value);
        folded.put(fold(name), value);
      }
      if (parser.nextToken() != null) {
        throw new IOException("content after the JSON object");
      }
      return new RelayFields(root, folded);
    }
  }

  /** The value the relay reads for the field {@code name} (lower-case ASCII), or null. */
  JsonNode get(String name) {
    JsonNode value = byFoldedName.get(name);
    return value == null || value.isNull() ? null : value;
  }

  /** The object as parsed, exact key duplicates collapsed (last value kept), for re-encoding. */
  ObjectNode root() {
    return root;
  }

  /**
   * The object as parsed, asking the relay for a stream: every spelling of {@code stream} and
   * {@code stream_options} replaced by {@code "stream": true} and, when {@code withUsage}, by
   * {@code stream_options} with {@code include_usage} true (the other options the relay would have
   * read kept), so that the stream ends with the usage the reply and its cost need.
   */
  ObjectNode streaming(boolean withUsage) {
    JsonNode options = get("stream_options");
    root.retain(namesExcept(root, "stream", "stream_options"));
    root.put("stream", true);
    if (withUsage) {
      ObjectNode kept = options instanceof ObjectNode object ? object.deepCopy() : root.objectNode();
      kept.retain(namesExcept(kept, "include_usage"));
      kept.put("include_usage", true);
      root.set("stream_options", kept);
    }
    return root;
  }

  /** The field names of {@code object} but those that fold to one of {@code folded}. */
  private static List<String> namesExcept(ObjectNode object, String... folded) {
    List<String> kept = new ArrayList<>();
    object.fieldNames().forEachRemaining(name -> {
      if (!List.of(folded).contains(fold(name))) {
        kept.add(name);
      }
    });
    return kept;
  }

  /**
   * The object as the relay reads it: each field once, under its folded name ({@link #fold}), with
   * the value the relay takes (the last of its spellings); null fields left out, as the relay
   * treats them as absent. Names sorted, so equal requests encode equally.
   */
  ObjectNode folded(ObjectMapper mapper) {
    ObjectNode folded = mapper.createObjectNode();
    new TreeMap<>(byFoldedName).forEach((name, value) -> {
      if (!value.isNull()) {
        folded.set(name, value);
      }
    });
    return folded;
  }

  /**
   * Go's case folding as far as field names of ASCII letters go: ASCII letters fold to lower
   * case, and the only two non-ASCII letters that fold onto ASCII ones, U+017F (long s) and
   * U+212A (Kelvin sign), fold to 's' and 'k'. Other characters can never match an ASCII name.
   */
  static String fold(String name) {
    StringBuilder folded = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        folded.append((char) (c + ('a' - 'A')));
      } else if (c == '\u017f') {
        folded.append('s');
      } else if (c == '\u212a') {
        folded.append('k');
      } else {
        folded.append(c);
      }
    }
    return folded.toString();
  }

  /** One string or one list of token ids is one prompt; an array of strings or of token lists is one each. */
  static long promptCount(JsonNode prompt) {
    if (!prompt.isArray() || prompt.isEmpty()) {
      return 1;
    }
    for (JsonNode element : prompt) {
      if (!element.isIntegralNumber()) {
        return prompt.size();
      }
    }
    return 1;
  }
}
