package dev.relayworker.tracing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.relayworker.relay.RelayApi;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a span tells of an answer beyond its usage: its {@code id} and the reasons its choices
 * ended ({@code choices[].finish_reason}; a Messages answer's {@code stop_reason}). Read with a
 * streaming parser that stops once they are found, skipping the text; at most
 * {@value #MAX_REASONS} reasons and {@value #MAX_CHARS} characters each. A body that is not JSON
 * yields nothing. Pure; only called when tracing is on.
 */
record AnswerFacts(String id, List<String> finishReasons) {

  static final int MAX_REASONS = 16;
  static final int MAX_CHARS = 64;
  private static final JsonFactory JSON = new JsonFactory();
  private static final AnswerFacts NONE = new AnswerFacts(null, List.of());

  static AnswerFacts of(byte[] body, RelayApi api) {
    if (body == null || body.length == 0) {
      return NONE;
    }
    String id = null;
    List<String> reasons = new ArrayList<>();
    try (JsonParser parser = JSON.createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return NONE;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("id".equals(field) && value == JsonToken.VALUE_STRING) {
          id = cut(parser.getText());
        } else if ("stop_reason".equals(field) && api == RelayApi.MESSAGES && value == JsonToken.VALUE_STRING) {
          reasons.add(cut(parser.getText()));
        } else if ("choices".equals(field) && value == JsonToken.START_ARRAY) {
          readChoices(parser, reasons);
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not JSON, or cut: the span goes without these facts.
    }
    return new AnswerFacts(id, List.copyOf(reasons));
  }

  private static void readChoices(JsonParser parser, List<String> reasons) throws IOException {
    while (parser.nextToken() == JsonToken.START_OBJECT) {
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String field = parser.currentName();
        JsonToken value = parser.nextToken();
        if ("finish_reason".equals(field) && value == JsonToken.VALUE_STRING && reasons.size() < MAX_REASONS) {
          reasons.add(cut(parser.getText()));
        } else {
          parser.skipChildren();
        }
      }
    }
  }

  private static String cut(String text) {
    return text.length() > MAX_CHARS ? text.substring(0, MAX_CHARS) : text;
  }
}
