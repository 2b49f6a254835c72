package dev.relayworker.relay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds the whole answer a non-stream request would have got from the events of one streamed
 * attempt, and tells the text each event adds as it comes:
 *
 * <ul>
 *   <li>OpenAI's chat chunks ({@code chat.completion.chunk}): per choice, the role, the content
 *       and refusal joined, tool calls merged by their {@code index} (id, name, arguments joined),
 *       the finish reason; {@code usage} from the chunk that carries it; {@code data: [DONE]} ends it.
 *   <li>OpenAI's completion chunks ({@code text_completion}): per choice the text joined and the
 *       finish reason.
 *   <li>Anthropic's Messages events: {@code message_start} gives the message, each
 *       {@code content_block_start} a block whose {@code text_delta}, {@code thinking_delta} and
 *       {@code input_json_delta} pieces are joined (a tool's input parsed at its
 *       {@code content_block_stop}), {@code message_delta} the stop reason and the final usage;
 *       {@code message_stop} ends it.
 * </ul>
 *
 * An error event ({@code {"error":...}} in OpenAI's stream, {@code event: error} in Anthropic's)
 * fails the attempt as a transient {@link RelayException}: the stream broke, another attempt may
 * not. Not thread-safe: one assembler per attempt, fed in order.
 */
public final class StreamAssembler {

  /** Text a stream added to one choice (or, for Messages, one content block). */
  public record Delta(int index, String text) {}

  private final RelayApi api;
  private final ObjectMapper mapper;
  private final TreeMap<Integer, Choice> choices = new TreeMap<>();
  private ObjectNode head;
  private JsonNode usage;
  private boolean done;

  public StreamAssembler(RelayApi api, ObjectMapper mapper) {
    if (api == RelayApi.EMBEDDINGS) {
      throw new IllegalArgumentException("embeddings are not streamed");
    }
    this.api = api;
    this.mapper = mapper;
  }

  /** Whether the stream said it is complete ({@code [DONE]}, {@code message_stop}). */
  public boolean done() {
    return done;
  }

  /**
   * Takes one event; returns the text it adds, if any.
   *
   * @throws RelayException for an error event (transient) or one that is not JSON (transient)
   */
  public List<Delta> accept(SseReader.Event event) {
    if (api != RelayApi.MESSAGES && "[DONE]".equals(event.data().strip())) {
      done = true;
      return List.of();
    }
    JsonNode data = parse(event.data());
    if (data.has("error") && (api != RelayApi.MESSAGES || "error".equals(data.path("type").asText()))) {
      JsonNode error = data.path("error");
      throw new RelayException(FailureKind.TRANSIENT, 200, new RelayError(text(error.get("message")),
          text(error.get("type")), null, text(error.get("code"))), null,
          "relay stream broke: " + AnswerReader.truncate(error.path("message").asText(error.toString())));
    }
    return api == RelayApi.MESSAGES ? messageEvent(data) : chunk(data);
  }

  private List<Delta> chunk(JsonNode chunk) {
    if (head == null) {
      head = mapper.createObjectNode();
      for (String field : new String[] {"id", "created", "model", "system_fingerprint"}) {
        if (chunk.has(field)) {
          head.set(field, chunk.get(field));
        }
      }
    }
    if (chunk.hasNonNull("usage")) {
      usage = chunk.get("usage");
    }
    List<Delta> deltas = new ArrayList<>(1);
    for (JsonNode choice : chunk.path("choices")) {
      int index = choice.path("index").asInt();
      Choice state = choices.computeIfAbsent(index, Choice::new);
      String text = api == RelayApi.CHAT_COMPLETIONS ? state.chatDelta(choice.path("delta")) : state.textDelta(choice);
      if (choice.hasNonNull("finish_reason")) {
        state.finishReason = choice.get("finish_reason").asText();
      }
      if (!text.isEmpty()) {
        deltas.add(new Delta(index, text));
      }
    }
    return deltas;
  }

  private List<Delta> messageEvent(JsonNode event) {
    switch (event.path("type").asText()) {
      case "message_start" -> {
        head = event.path("message").deepCopy();
        usage = head.path("usage");
      }
      case "content_block_start" -> {
        Choice block = choices.computeIfAbsent(event.path("index").asInt(), Choice::new);
        block.block = event.path("content_block").deepCopy();
      }
      case "content_block_delta" -> {
        Choice block = choices.computeIfAbsent(event.path("index").asInt(), Choice::new);
        String text = block.blockDelta(event.path("delta"));
        return text.isEmpty() ? List.of() : List.of(new Delta(block.index, text));
      }
      case "content_block_stop" -> choices.computeIfAbsent(event.path("index").asInt(), Choice::new).closeBlock(mapper);
      case "message_delta" -> {
        if (head == null) {
          head = mapper.createObjectNode();
        }
        event.path("delta").fields().forEachRemaining(field -> head.set(field.getKey(), field.getValue()));
        ObjectNode merged = usage instanceof ObjectNode known ? known.deepCopy() : mapper.createObjectNode();
        event.path("usage").fields().forEachRemaining(field -> {
          if (!field.getValue().isNull()) {
            merged.set(field.getKey(), field.getValue());
          }
        });
        usage = merged;
      }
      case "message_stop" -> done = true;
      default -> { } // ping, and event types added later
    }
    return List.of();
  }

  /** The usage the stream reported, or null when it sent none (a cut stream may lose it). */
  public JsonNode usage() {
    return usage;
  }

  /** The whole answer, as a non-stream request gets it. */
  public byte[] answer() {
    ObjectNode answer = mapper.createObjectNode();
    if (api == RelayApi.MESSAGES) {
      if (head != null) {
        answer.setAll(head);
      }
      answer.put("type", "message");
      ArrayNode content = answer.putArray("content");
      choices.values().forEach(block -> content.add(block.finishedBlock(mapper)));
    } else {
      if (head != null) {
        head.fields().forEachRemaining(field -> answer.set(field.getKey(), field.getValue()));
      }
      answer.put("object", api.objectType());
      ArrayNode list = answer.putArray("choices");
      choices.values().forEach(choice -> list.add(api == RelayApi.CHAT_COMPLETIONS ? choice.chatChoice(mapper)
          : choice.textChoice(mapper)));
    }
    if (usage != null && !usage.isNull()) {
      answer.set("usage", usage);
    }
    try {
      return mapper.writeValueAsBytes(answer);
    } catch (IOException e) {
      throw new IllegalStateException("a streamed answer could not be encoded", e);
    }
  }

  private JsonNode parse(String data) {
    try {
      JsonNode node = mapper.readTree(data);
      if (node == null || !node.isObject()) {
        throw new IOException("not an object");
      }
      return node;
    } catch (IOException e) {
      throw new RelayException(FailureKind.TRANSIENT, 200, RelayError.NONE, null,
          "relay stream sent an event that is not a JSON object");
    }
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() ? null : node.asText();
  }

  /** What the stream said of one choice (OpenAI) or one content block (Messages). */
  private static final class Choice {
    final int index;
    String role;
    StringBuilder content;
    StringBuilder refusal;
    final Map<Integer, ObjectNode> toolCalls = new TreeMap<>();
    final Map<Integer, StringBuilder> arguments = new TreeMap<>();
    String finishReason;
    ObjectNode block;
    final StringBuilder blockText = new StringBuilder();

    Choice(int index) {
      this.index = index;
    }

    String chatDelta(JsonNode delta) {
      if (delta.hasNonNull("role")) {
        role = delta.get("role").asText();
      }
      if (delta.hasNonNull("refusal")) {
        refusal = (refusal == null ? new StringBuilder() : refusal).append(delta.get("refusal").asText());
      }
      for (JsonNode call : delta.path("tool_calls")) {
        int at = call.path("index").asInt();
        ObjectNode known = toolCalls.computeIfAbsent(at, key -> JsonNodeFactory.instance.objectNode());
        call.fields().forEachRemaining(field -> {
          if (!field.getKey().equals("index") && !field.getKey().equals("function") && !field.getValue().isNull()) {
            known.set(field.getKey(), field.getValue());
          }
        });
        JsonNode function = call.path("function");
        if (function.hasNonNull("name")) {
          known.put("function_name", function.get("name").asText());
        }
        if (function.hasNonNull("arguments")) {
          arguments.computeIfAbsent(at, key -> new StringBuilder()).append(function.get("arguments").asText());
        }
      }
      if (delta.hasNonNull("content")) {
        String text = delta.get("content").asText();
        content = (content == null ? new StringBuilder() : content).append(text);
        return text;
      }
      return "";
    }

    String textDelta(JsonNode choice) {
      String text = choice.path("text").asText("");
      content = (content == null ? new StringBuilder() : content).append(text);
      return text;
    }

    String blockDelta(JsonNode delta) {
      String piece = switch (delta.path("type").asText()) {
        case "text_delta" -> delta.path("text").asText("");
        case "thinking_delta" -> delta.path("thinking").asText("");
        case "input_json_delta" -> delta.path("partial_json").asText("");
        case "signature_delta" -> {
          if (block != null) {
            block.put("signature", block.path("signature").asText("") + delta.path("signature").asText(""));
          }
          yield "";
        }
        default -> "";
      };
      blockText.append(piece);
      return "text_delta".equals(delta.path("type").asText()) ? piece : "";
    }

    void closeBlock(ObjectMapper mapper) {
      if (block == null) {
        return;
      }
      String type = block.path("type").asText();
      if (type.equals("tool_use") || type.equals("server_tool_use")) {
        try {
          block.set("input", blockText.length() == 0 ? mapper.createObjectNode() : mapper.readTree(blockText.toString()));
        } catch (IOException e) {
          block.put("input_unparsed", blockText.toString()); // What the relay sent, kept rather than lost.
        }
      } else if (type.equals("thinking")) {
        block.put("thinking", block.path("thinking").asText("") + blockText);
      } else {
        block.put("text", block.path("text").asText("") + blockText);
      }
      blockText.setLength(0);
    }

    JsonNode finishedBlock(ObjectMapper mapper) {
      if (blockText.length() > 0) {
        closeBlock(mapper); // A block whose stop never came.
      }
      return block != null ? block : mapper.createObjectNode().put("type", "text").put("text", "");
    }

    ObjectNode chatChoice(ObjectMapper mapper) {
      ObjectNode choice = mapper.createObjectNode().put("index", index);
      ObjectNode message = choice.putObject("message").put("role", role == null ? "assistant" : role);
      if (content == null) {
        message.putNull("content");
      } else {
        message.put("content", content.toString());
      }
      if (refusal == null) {
        message.putNull("refusal");
      } else {
        message.put("refusal", refusal.toString());
      }
      if (!toolCalls.isEmpty()) {
        ArrayNode calls = message.putArray("tool_calls");
        for (Map.Entry<Integer, ObjectNode> entry : toolCalls.entrySet()) {
          ObjectNode call = entry.getValue().deepCopy();
          String name = call.path("function_name").asText(null);
          call.remove("function_name");
          ObjectNode function = call.putObject("function");
          if (name != null) {
            function.put("name", name);
          }
          StringBuilder args = arguments.get(entry.getKey());
          function.put("arguments", args == null ? "" : args.toString());
          calls.add(call);
        }
      }
      choice.putNull("logprobs");
      putFinish(choice);
      return choice;
    }

    ObjectNode textChoice(ObjectMapper mapper) {
      ObjectNode choice = mapper.createObjectNode().put("text", content == null ? "" : content.toString())
          .put("index", index);
      choice.putNull("logprobs");
      putFinish(choice);
      return choice;
    }

    private void putFinish(ObjectNode choice) {
      if (finishReason == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", finishReason);
      }
    }
  }
}
