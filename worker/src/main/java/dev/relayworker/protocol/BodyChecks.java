package dev.relayworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.relay.RelayApi;
import java.util.List;
import java.util.Locale;

/**
 * The checks a request body passes before anything is paid: its fields as the relay reads them
 * ({@link RelayFields}), and the cost limits the operator sets. Each failure is a {@link Refusal}
 * naming the field, the value and, for a limit, the setting. Stateless; any thread.
 */
final class BodyChecks {

  private BodyChecks() {}

  /**
   * The fields the relay would trip over, checked as it reads them: {@code model} a non-empty
   * string within the length limit, {@code prompt}, {@code messages} or {@code input} present and well formed,
   * integer fields integers, {@code stream} a boolean and {@code stream_options} an object.
   */
  static void fields(RelayFields fields, RelayApi endpoint, InputLimits limits) {
    JsonNode model = fields.get("model");
    if (model != null && (!model.isTextual() || model.asText().isBlank())) {
      throw new Refusal("invalid_body", "model must be a non-empty string, was " + kind(model), "model");
    }
    int maxModel = limits.maxModelChars();
    if (model != null && model.asText().length() > maxModel) {
      throw new Refusal("invalid_body", "model is " + model.asText().length() + " characters, over the limit of "
          + maxModel + " (" + WorkerConfig.REQUEST_MAX_MODEL_CHARS + ")", "model");
    }
    String[] integers;
    if (endpoint == RelayApi.EMBEDDINGS) {
      embeddings(fields);
      integers = new String[] {"dimensions"};
    } else if (endpoint == RelayApi.MESSAGES) {
      messages(fields.get("messages"), "/v1/messages");
      if (fields.get("max_tokens") == null) {
        throw new Refusal("invalid_body", "max_tokens is required for /v1/messages", "max_tokens");
      }
      integers = new String[] {"max_tokens", "top_k"};
    } else if (endpoint == RelayApi.CHAT_COMPLETIONS) {
      messages(fields.get("messages"), "/v1/chat/completions");
      integers = new String[] {"max_tokens", "max_completion_tokens", "n", "seed", "top_logprobs"};
    } else {
      prompt(fields.get("prompt"));
      integers = new String[] {"max_tokens", "n", "best_of", "logprobs", "seed"};
    }
    for (String integer : integers) {
      JsonNode field = fields.get(integer);
      if (field != null && !field.isIntegralNumber()) {
        throw new Refusal("invalid_body", integer + " must be an integer, was " + kind(field), integer);
      }
    }
    JsonNode stream = fields.get("stream");
    if (stream != null && !stream.isBoolean()) {
      // The relay would refuse the body.
      throw new Refusal("invalid_body", "stream must be true or false, was " + kind(stream), "stream");
    }
    JsonNode options = fields.get("stream_options");
    if (options != null && !options.isObject()) {
      throw new Refusal("invalid_body", "stream_options must be an object, was " + kind(options), "stream_options");
    }
  }

  /**
   * {@code input} in one of its forms ({@link EmbeddingInput#problem}), {@code encoding_format}
   * {@code float} or {@code base64}, {@code dimensions} positive.
   */
  private static void embeddings(RelayFields fields) {
    String problem = EmbeddingInput.problem(fields.get("input"));
    if (problem != null) {
      throw new Refusal("invalid_body", problem, "input");
    }
    JsonNode format = fields.get("encoding_format");
    if (format != null && !(format.isTextual() && List.of("float", "base64").contains(format.asText()))) {
      throw new Refusal("invalid_body", "encoding_format must be \"float\" or \"base64\"", "encoding_format");
    }
    JsonNode dimensions = fields.get("dimensions");
    if (dimensions != null && dimensions.isIntegralNumber() && !(dimensions.canConvertToInt() && dimensions.intValue() > 0)) {
      throw new Refusal("invalid_body", "dimensions must be a positive integer", "dimensions");
    }
  }

  private static void prompt(JsonNode prompt) {
    if (prompt == null) {
      throw new Refusal("invalid_body", "prompt is required", "prompt");
    }
    if (!prompt.isTextual() && !prompt.isArray()) {
      throw new Refusal("invalid_body", "prompt must be a string, an array of strings, or token ids, was "
          + kind(prompt), "prompt");
    }
  }

  /** {@code messages}: a non-empty array of objects, each with a non-empty string {@code role}. */
  private static void messages(JsonNode messages, String path) {
    if (messages == null) {
      throw new Refusal("invalid_body", "messages is required for " + path, "messages");
    }
    if (!messages.isArray() || messages.isEmpty()) {
      throw new Refusal("invalid_body", "messages must be a non-empty array of messages, was "
          + (messages.isArray() ? "an empty array" : kind(messages)), "messages");
    }
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      if (!message.isObject()) {
        throw new Refusal("invalid_body", "messages[" + i + "] must be an object, was " + kind(message), "messages");
      }
      JsonNode role = message.get("role");
      if (role == null || !role.isTextual() || role.asText().isBlank()) {
        throw new Refusal("invalid_body", "messages[" + i + "] needs a role (system, user, assistant, tool, ...)",
            "messages");
      }
    }
  }

  /** Refuses requests that ask for more generation than the operator allows, before anything is paid. */
  static void cost(RelayFields fields, CostLimits limits, RelayApi endpoint) {
    if (endpoint == RelayApi.EMBEDDINGS) {
      return; // Nothing is generated; the inputs are bounded by the record's size and EmbeddingInput.MAX_ITEMS.
    }
    if (endpoint == RelayApi.MESSAGES) {
      atMost(fields, "max_tokens", limits.maxTokens(), WorkerConfig.REQUEST_MAX_TOKENS); // one answer, no n
      return;
    }
    atMost(fields, "n", limits.maxN(), WorkerConfig.REQUEST_MAX_N);
    atMost(fields, "max_tokens", limits.maxTokens(), WorkerConfig.REQUEST_MAX_TOKENS);
    if (endpoint == RelayApi.CHAT_COMPLETIONS) {
      atMost(fields, "max_completion_tokens", limits.maxTokens(), WorkerConfig.REQUEST_MAX_TOKENS);
      return;
    }
    atMost(fields, "best_of", limits.maxBestOf(), WorkerConfig.REQUEST_MAX_BEST_OF);
    long prompts = RelayFields.promptCount(fields.get("prompt"));
    if (prompts > limits.maxPrompts()) {
      throw new Refusal("cost_limit", "prompt holds " + prompts + " prompts, over the limit of " + limits.maxPrompts()
          + " (" + WorkerConfig.REQUEST_MAX_PROMPTS + ")", "prompt");
    }
  }

  private static void atMost(RelayFields fields, String name, long limit, String setting) {
    JsonNode field = fields.get(name);
    if (field == null) {
      return;
    }
    // Integers too big for a long are over any limit; printing them in full is the requester's own text.
    long value = field.canConvertToLong() ? field.longValue() : Long.MAX_VALUE;
    if (value > limit) {
      throw new Refusal("cost_limit", name + " is " + (field.canConvertToLong() ? value : "beyond 2^63")
          + ", over the limit of " + limit + " (" + setting + ")", name);
    }
  }

  private static String kind(JsonNode node) {
    return node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT);
  }}
