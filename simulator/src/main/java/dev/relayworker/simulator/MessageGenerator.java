package dev.relayworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Answers {@code POST /v1/messages} in Anthropic's Messages format, as new-api relays do: a
 * {@code message} with one {@code text} content block, a {@code stop_reason} ({@code max_tokens}
 * when cut there, else {@code end_turn}) and {@code usage} in Anthropic's convention
 * ({@code input_tokens}, {@code output_tokens}, and the two cache kinds, 0 here). The text and
 * counts are the chat generator's for the same messages, the {@code system} prompt counted into the
 * input. Thread-safe.
 */
final class MessageGenerator {

  private final ObjectMapper mapper;
  private final CompletionGenerator chat;
  private final TokenCounter tokens;

  MessageGenerator(ObjectMapper mapper, CompletionGenerator chat, TokenCounter tokens) {
    this.mapper = mapper;
    this.chat = chat;
    this.tokens = tokens;
  }

  ObjectNode message(JsonNode request, String id) {
    if (!request.path("max_tokens").canConvertToInt()) {
      throw new InvalidRequestException("max_tokens: Field required", "max_tokens");
    }
    ObjectNode completion = chat.chat(request, id, 0);
    JsonNode choice = completion.path("choices").path(0);
    JsonNode system = request.get("system");
    long systemTokens = system == null || system.isNull() ? 0
        : tokens.count(system.isTextual() ? system.asText() : system.toString());
    ObjectNode message = mapper.createObjectNode()
        .put("id", id)
        .put("type", "message")
        .put("role", "assistant")
        .put("model", request.get("model").asText());
    message.putArray("content").addObject().put("type", "text")
        .put("text", choice.path("message").path("content").asText(""));
    message.put("stop_reason", "length".equals(choice.path("finish_reason").asText()) ? "max_tokens" : "end_turn");
    message.putNull("stop_sequence");
    message.putObject("usage")
        .put("input_tokens", completion.at("/usage/prompt_tokens").asLong() + systemTokens)
        .put("output_tokens", completion.at("/usage/completion_tokens").asLong())
        .put("cache_creation_input_tokens", 0)
        .put("cache_read_input_tokens", 0);
    return message;
  }
}
