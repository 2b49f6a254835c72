package dev.relayworker.requester;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;

/**
 * The reader's rule for one request's chunk records, as the README states it: follow one attempt
 * at a time; a chunk of an attempt not seen before, with index 0, starts over (the earlier
 * attempt broke, its text is dropped); chunks of an attempt left behind are ignored; a chunk out
 * of order (a gap) stops the preview, and the final reply is then waited for. The final reply on
 * the reply topic is the answer; the preview never replaces it.
 *
 * <p>Not thread-safe: one per request, fed in the order the chunks were read from their partition.
 */
public final class StreamPreview {

  /** What one chunk did to the preview. */
  public enum Step {
    /** Text was added ({@link #added()}). */
    ADDED,
    /** A new attempt began: the text so far is dropped, and {@link #added()} begins the new text. */
    RESTARTED,
    /** Nothing changed: a chunk of an attempt left behind, or after a gap, or not a chunk. */
    IGNORED
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Set<String> leftBehind = new HashSet<>();
  private final TreeMap<Integer, StringBuilder> texts = new TreeMap<>();
  private String attempt;
  private int nextIndex;
  private boolean broken;
  private boolean complete;
  private String added = "";

  /** Takes the value of the next chunk record of this request. */
  public Step accept(byte[] value) {
    added = "";
    JsonNode chunk;
    try {
      chunk = MAPPER.readTree(value);
    } catch (IOException e) {
      return Step.IGNORED;
    }
    String its = chunk.path("attempt").asText("");
    int index = chunk.path("index").asInt(-1);
    Step step = Step.ADDED;
    if (!its.equals(attempt)) {
      if (leftBehind.contains(its) || index != 0) {
        return Step.IGNORED;
      }
      if (attempt != null) {
        leftBehind.add(attempt);
        step = Step.RESTARTED;
      }
      attempt = its;
      nextIndex = 0;
      texts.clear();
      broken = false;
      complete = false;
    }
    if (broken || index != nextIndex) {
      broken = true;
      return Step.IGNORED;
    }
    nextIndex++;
    StringBuilder piece = new StringBuilder();
    for (JsonNode choice : chunk.path("choices")) {
      String text = choice.path("text").asText("");
      texts.computeIfAbsent(choice.path("index").asInt(), at -> new StringBuilder()).append(text);
      piece.append(text);
    }
    added = piece.toString();
    complete = chunk.path("last").asBoolean(false);
    return step;
  }

  /** The text the last accepted chunk added, over its choices. */
  public String added() {
    return added;
  }

  /** The current attempt's text of choice {@code index} so far. */
  public String text(int index) {
    StringBuilder text = texts.get(index);
    return text == null ? "" : text.toString();
  }

  /** Whether the current attempt's last chunk has been read, with none missing. */
  public boolean complete() {
    return complete && !broken;
  }
}
