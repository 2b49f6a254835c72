package dev.relayworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Makes the simulator's {@code text_completion} and {@code chat.completion} answers: text that depends only on the prompt,
 * {@code seed} and choice, and {@code usage} that tells the truth. Every generated word is one
 * cl100k token, so completion tokens are the word count and never exceed {@code max_tokens};
 * {@code finish_reason} is {@code length} when the text was cut there, {@code stop} otherwise.
 *
 * <p>Thread-safe.
 */
final class CompletionGenerator {

  static final int DEFAULT_MAX_TOKENS = 16;
  /** What the token limit assumes a chat request without a limit may generate per choice. */
  static final int DEFAULT_CHAT_MAX_TOKENS = 1_024;
  static final int MAX_N = 128;
  /** Each entry is a single cl100k_base token (checked by a test). */
  static final String[] WORDS = {
      " the", " of", " and", " to", " in", " is", " that", " for", " it", " as", " with", " was", " on",
      " be", " by", " this", " are", " from", " at", " or", " an", " have", " not", " they", " which",
      " one", " you", " were", " all", " we", " can", " has", " there", " been", " if", " more", " when",
      " will", " would", " who", " so", " no", " time", " data", " model", " answer", " request", " river",
      " light", " stone", " market", " garden", " music", " system", " paper", " water", " city",
      " letter", " story", " number", " world", " people", " house", " road"};
  private static final int MIN_NATURAL_TOKENS = 4;
  private static final int NATURAL_TOKEN_SPREAD = 60;

  private final ObjectMapper mapper;
  private final TokenCounter tokens;

  CompletionGenerator(ObjectMapper mapper, TokenCounter tokens) {
    this.mapper = mapper;
    this.tokens = tokens;
  }

  /** The request's prompt as the key stats count it by: the string itself, or the JSON of an array. */
  static String promptKey(JsonNode request) {
    JsonNode prompt = request.get("prompt");
    if (prompt == null) {
      // A chat request: its last message's content.
      JsonNode messages = request.get("messages");
      JsonNode content = messages == null || !messages.isArray() || messages.isEmpty() ? null
          : messages.get(messages.size() - 1).get("content");
      return content == null ? null : content.isTextual() ? content.asText() : content.toString();
    }
    return prompt.isTextual() ? prompt.asText() : prompt.toString();
  }

  ObjectNode complete(JsonNode request, String id, long createdSeconds) {
    String model = request.get("model").asText();
    List<Prompt> prompts = prompts(request.get("prompt"));
    int maxTokens = intField(request, "max_tokens", DEFAULT_MAX_TOKENS, 1, 1_000_000);
    int n = intField(request, "n", 1, 1, MAX_N);
    long seed = request.path("seed").asLong(0);
    boolean echo = request.path("echo").asBoolean(false);

    ObjectNode answer = head("text_completion", id, createdSeconds, model);
    ArrayNode choices = answer.putArray("choices");
    long promptTokens = 0;
    long completionTokens = 0;
    for (int p = 0; p < prompts.size(); p++) {
      Prompt prompt = prompts.get(p);
      promptTokens += prompt.tokens();
      for (int k = 0; k < n; k++) {
        Words words = Words.draw(new SplittableRandom(mix(prompt.text().hashCode(), seed, k)), minTokens(request),
            maxTokens);
        completionTokens += words.tokens();
        ObjectNode choice = choices.addObject();
        choice.put("text", (echo ? prompt.text() : "") + words.text());
        choice.put("index", p * n + k);
        choice.putNull("logprobs");
        choice.put("finish_reason", words.cut() ? "length" : "stop");
      }
    }
    ObjectNode usage = answer.putObject("usage");
    usage.put("prompt_tokens", promptTokens);
    usage.put("completion_tokens", completionTokens);
    usage.put("total_tokens", promptTokens + completionTokens);
    return answer;
  }

  /**
   * A {@code chat.completion} for a chat request: {@code n} choices with an assistant message whose
   * text depends only on the messages, {@code seed} and choice; when the request sends
   * {@code tools}, each choice calls the first one instead ({@code tool_calls}, finish reason
   * {@code tool_calls}). Usage counts the messages as OpenAI does: 3 tokens a message plus its
   * fields' text (1 more for a {@code name}), and 3 that prime the reply.
   */
  ObjectNode chat(JsonNode request, String id, long createdSeconds) {
    String model = request.get("model").asText();
    JsonNode messages = request.get("messages");
    if (messages == null || !messages.isArray() || messages.isEmpty()) {
      throw new InvalidRequestException("messages must be a non-empty array", "messages");
    }
    String limitField = request.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    int maxTokens = intField(request, limitField, Integer.MAX_VALUE, 1, Integer.MAX_VALUE);
    int n = intField(request, "n", 1, 1, MAX_N);
    long seed = request.path("seed").asLong(0);
    long promptTokens = 3;
    for (JsonNode message : messages) {
      if (!message.isObject() || !message.path("role").isTextual()) {
        throw new InvalidRequestException("each message must be an object with a role", "messages");
      }
      promptTokens += 3;
      for (java.util.Iterator<java.util.Map.Entry<String, JsonNode>> fields = message.fields(); fields.hasNext(); ) {
        java.util.Map.Entry<String, JsonNode> field = fields.next();
        JsonNode value = field.getValue();
        promptTokens += ("name".equals(field.getKey()) ? 1 : 0)
            + (value.isTextual() ? tokens.count(value.asText()) : value.isNull() ? 0 : tokens.count(value.toString()));
      }
    }
    JsonNode tool = request.path("tools").path(0).path("function").path("name");
    ObjectNode answer = head("chat.completion", id, createdSeconds, model);
    ArrayNode choices = answer.putArray("choices");
    long completionTokens = 0;
    for (int k = 0; k < n; k++) {
      SplittableRandom random = new SplittableRandom(mix(messages.toString().hashCode(), seed, k));
      Words words = Words.draw(random, minTokens(request), maxTokens);
      completionTokens += words.tokens();
      ObjectNode choice = choices.addObject();
      choice.put("index", k);
      ObjectNode message = choice.putObject("message");
      message.put("role", "assistant");
      message.putNull("refusal");
      if (tool.isTextual()) {
        message.putNull("content");
        ObjectNode call = message.putArray("tool_calls").addObject();
        call.put("id", "call_sim_" + Long.toHexString(random.nextLong() >>> 1));
        call.put("type", "function");
        call.putObject("function").put("name", tool.asText()).put("arguments", "{\"text\":\"" + words.text().strip() + "\"}");
        choice.put("finish_reason", "tool_calls");
      } else {
        message.put("content", words.text().strip());
        choice.put("finish_reason", words.cut() ? "length" : "stop");
      }
      choice.putNull("logprobs");
    }
    ObjectNode usage = answer.putObject("usage");
    usage.put("prompt_tokens", promptTokens);
    usage.put("completion_tokens", completionTokens);
    usage.put("total_tokens", promptTokens + completionTokens);
    return answer;
  }

  private List<Prompt> prompts(JsonNode prompt) {
    if (prompt == null || prompt.isNull()) {
      throw new InvalidRequestException("prompt is required", "prompt");
    }
    if (prompt.isTextual()) {
      return List.of(new Prompt(prompt.asText(), tokens.count(prompt.asText())));
    }
    if (!prompt.isArray() || prompt.isEmpty()) {
      throw new InvalidRequestException("prompt must be a string, an array of strings, or token ids", "prompt");
    }
    if (prompt.get(0).isIntegralNumber()) {
      return List.of(tokenPrompt(prompt));
    }
    List<Prompt> prompts = new ArrayList<>();
    for (JsonNode element : prompt) {
      if (element.isTextual()) {
        prompts.add(new Prompt(element.asText(), tokens.count(element.asText())));
      } else if (element.isArray() && !element.isEmpty()) {
        prompts.add(tokenPrompt(element));
      } else {
        throw new InvalidRequestException("prompt array elements must all be strings or token-id arrays", "prompt");
      }
    }
    return prompts;
  }

  private static Prompt tokenPrompt(JsonNode ids) {
    for (JsonNode id : ids) {
      if (!id.isIntegralNumber() || id.asLong() < 0) {
        throw new InvalidRequestException("token ids must be non-negative integers", "prompt");
      }
    }
    return new Prompt(ids.toString(), ids.size());
  }

  /**
   * The fewest tokens an answer is written with: {@code min_tokens}, as vLLM's OpenAI server reads
   * it (a benchmark's way to ask for long answers), else none.
   */
  private static int minTokens(JsonNode request) {
    return intField(request, "min_tokens", 0, 0, 1_000_000);
  }

  private static int intField(JsonNode request, String name, int fallback, int min, int max) {
    JsonNode value = request.get(name);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isIntegralNumber() || value.asLong() < min || value.asLong() > max) {
      throw new InvalidRequestException(name + " must be an integer from " + min + " to " + max, name);
    }
    return value.asInt();
  }

  private static long mix(long promptHash, long seed, int choice) {
    long h = promptHash * 0x9E3779B97F4A7C15L + seed;
    return h * 31 + choice;
  }

  private record Prompt(String text, int tokens) {}

  /**
   * One choice's generated text: a natural length drawn from {@code random}, at least
   * {@code minTokens}, cut at {@code maxTokens}; every word is one token.
   *
   * @param cut whether the natural length was over {@code maxTokens} ({@code finish_reason} length)
   */
  private record Words(String text, int tokens, boolean cut) {
    static Words draw(SplittableRandom random, int minTokens, int maxTokens) {
      int natural = Math.max(minTokens, MIN_NATURAL_TOKENS + random.nextInt(NATURAL_TOKEN_SPREAD));
      int length = Math.min(natural, maxTokens);
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < length; i++) {
        text.append(WORDS[random.nextInt(WORDS.length)]);
      }
      return new Words(text.toString(), length, natural > maxTokens);
    }
  }

  /** The fields every answer object starts with, in OpenAI's order. */
  private ObjectNode head(String object, String id, long createdSeconds, String model) {
    ObjectNode answer = mapper.createObjectNode();
    answer.put("id", id);
    answer.put("object", object);
    answer.put("created", createdSeconds);
    answer.put("model", model);
    answer.put("system_fingerprint", "fp_relay_simulator");
    return answer;
  }
}
