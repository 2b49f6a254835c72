package dev.relayworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A whole answer told as the server-sent events of a stream, as the relays send
 * {@code stream: true} answers: OpenAI's {@code data: {chunk}} lines ending in {@code data: [DONE]}
 * (a last chunk with {@code usage} and no choices when the request set
 * {@code stream_options.include_usage}), or Anthropic's named events for a Messages answer
 * ({@code message_start}, {@code content_block_start}, {@code ping}, {@code content_block_delta},
 * {@code content_block_stop}, {@code message_delta} with the usage, {@code message_stop}). Text
 * goes one word a chunk. Joining the deltas gives back the whole answer's text. Pure.
 */
final class StreamEvents {

  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8);

  private final ObjectMapper mapper;

  StreamEvents(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** The events of {@code answer} (a {@code text_completion}, {@code chat.completion} or {@code message}). */
  List<byte[]> of(ObjectNode answer, boolean includeUsage) {
    if ("message".equals(answer.path("type").asText())) {
      return message(answer);
    }
    boolean chat = "chat.completion".equals(answer.path("object").asText());
    List<byte[]> events = new ArrayList<>();
    for (JsonNode choice : answer.path("choices")) {
      int index = choice.path("index").asInt();
      if (chat) {
        boolean toolCall = choice.path("message").path("content").isNull();
        events.add(data(chunk(answer, includeUsage, true, index, delta -> {
          delta.put("role", "assistant");
          if (toolCall) {
            delta.putNull("content"); // as OpenAI streams a tool call: no text at all
          } else {
            delta.put("content", "");
          }
        }, null)));
        JsonNode calls = choice.path("message").path("tool_calls");
        if (calls.isArray() && !calls.isEmpty()) {
          events.add(data(chunk(answer, includeUsage, true, index, delta -> delta.set("tool_calls", indexed(calls)), null)));
        }
        for (String word : words(choice.path("message").path("content").asText(""))) {
          events.add(data(chunk(answer, includeUsage, true, index, delta -> delta.put("content", word), null)));
        }
      } else {
        for (String word : words(choice.path("text").asText(""))) {
          events.add(data(chunk(answer, includeUsage, false, index, delta -> delta.put("text", word), null)));
        }
      }
      events.add(data(chunk(answer, includeUsage, chat, index, delta -> { }, choice.path("finish_reason").asText())));
    }
    if (includeUsage) {
      ObjectNode last = head(answer, chat);
      last.putArray("choices");
      last.set("usage", answer.path("usage"));
      events.add(data(last));
    }
    events.add(DONE);
    return events;
  }

  private List<byte[]> message(ObjectNode answer) {
    List<byte[]> events = new ArrayList<>();
    ObjectNode start = answer.deepCopy();
    start.putArray("content");
    start.putNull("stop_reason");
    ((ObjectNode) start.path("usage")).put("output_tokens", 1);
    events.add(event("message_start", mapper.createObjectNode().put("type", "message_start").set("message", start)));
    String text = answer.path("content").path(0).path("text").asText("");
    ObjectNode block = mapper.createObjectNode().put("type", "content_block_start").put("index", 0);
    block.putObject("content_block").put("type", "text").put("text", "");
    events.add(event("content_block_start", block));
    events.add(event("ping", mapper.createObjectNode().put("type", "ping")));
    for (String word : words(text)) {
      ObjectNode delta = mapper.createObjectNode().put("type", "content_block_delta").put("index", 0);
      delta.putObject("delta").put("type", "text_delta").put("text", word);
      events.add(event("content_block_delta", delta));
    }
    events.add(event("content_block_stop", mapper.createObjectNode().put("type", "content_block_stop").put("index", 0)));
    ObjectNode end = mapper.createObjectNode().put("type", "message_delta");
    end.putObject("delta").put("stop_reason", answer.path("stop_reason").asText()).putNull("stop_sequence");
    end.putObject("usage").put("output_tokens", answer.at("/usage/output_tokens").asLong());
    events.add(event("message_delta", end));
    events.add(event("message_stop", mapper.createObjectNode().put("type", "message_stop")));
    return events;
  }

  /** A chunk of {@code answer} for choice {@code index}: its delta filled by {@code fill}, and its finish reason or null. */
  private ObjectNode chunk(ObjectNode answer, boolean usageAsked, boolean chat, int index, Consumer<ObjectNode> fill,
      String finishReason) {
    ObjectNode chunk = head(answer, chat);
    ObjectNode choice = chunk.putArray("choices").addObject().put("index", index);
    if (chat) {
      fill.accept(choice.putObject("delta"));
    } else {
      fill.accept(choice);
      if (!choice.has("text")) {
        choice.put("text", "");
      }
      choice.putNull("logprobs");
    }
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    if (usageAsked) {
      chunk.putNull("usage"); // Every chunk but the last carries "usage": null when usage is asked for.
    }
    return chunk;
  }

  private ObjectNode head(ObjectNode answer, boolean chat) {
    ObjectNode head = mapper.createObjectNode();
    head.put("id", answer.path("id").asText());
    head.put("object", chat ? "chat.completion.chunk" : "text_completion");
    head.put("created", answer.path("created").asLong());
    head.put("model", answer.path("model").asText());
    head.put("system_fingerprint", answer.path("system_fingerprint").asText());
    return head;
  }

  /** Tool calls as a stream's first delta carries them: with their {@code index}. */
  private ArrayNode indexed(JsonNode calls) {
    ArrayNode indexed = mapper.createArrayNode();
    for (int i = 0; i < calls.size(); i++) {
      indexed.add(((ObjectNode) calls.get(i).deepCopy()).put("index", i));
    }
    return indexed;
  }

  /** The text in pieces of one word each, spaces kept with the word they follow. */
  static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == ' ' && i + 1 < text.length() && text.charAt(i + 1) != ' ') {
        words.add(text.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < text.length()) {
      words.add(text.substring(start));
    }
    return words;
  }

  private byte[] data(JsonNode chunk) {
    return ("data: " + json(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private byte[] event(String name, JsonNode data) {
    return ("event: " + name + "\ndata: " + json(data) + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private String json(JsonNode node) {
    try {
      return mapper.writeValueAsString(node);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise a stream event", e);
    }
  }
}
