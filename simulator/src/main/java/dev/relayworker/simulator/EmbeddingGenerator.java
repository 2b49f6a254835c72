package dev.relayworker.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Answers {@code POST /v1/embeddings} as OpenAI does: a {@code list} of {@code embedding} objects,
 * one per input in input order, and {@code usage} with {@code prompt_tokens} and
 * {@code total_tokens} for the whole call. Each vector is a unit vector drawn from a random
 * sequence seeded by the input alone (its text, or its token ids), so the same input always gets
 * the same vector, in any batch; {@code dimensions} sets its length, {@code encoding_format}
 * {@code base64} sends its float32 values little-endian in base64. Refuses, as a 400, an empty
 * input and an input over the context ({@link SimulatorSettings#embeddingContextTokens()}).
 * Thread-safe.
 */
final class EmbeddingGenerator {

  /** OpenAI's vector length for its embedding models but text-embedding-3-large. */
  static final int DEFAULT_DIMENSIONS = 1_536;
  private static final int LARGE_DIMENSIONS = 3_072;

  private final ObjectMapper mapper;
  private final TokenCounter tokens;

  EmbeddingGenerator(ObjectMapper mapper, TokenCounter tokens) {
    this.mapper = mapper;
    this.tokens = tokens;
  }

  /** The inputs of a request as keys (texts, or token ids as JSON text), for stats and scripted faults. */
  static List<String> inputKeys(JsonNode request) {
    List<String> keys = new ArrayList<>();
    for (JsonNode input : items(request.get("input"))) {
      keys.add(input.isTextual() ? input.asText() : input.toString());
    }
    return keys;
  }

  ObjectNode embed(JsonNode request, int contextTokens) {
    String model = request.get("model").asText();
    List<JsonNode> inputs = items(request.get("input"));
    if (inputs.isEmpty()) {
      throw new InvalidRequestException("'$.input' is invalid. Please check the API reference", "input");
    }
    JsonNode dimensionsField = request.get("dimensions");
    int dimensions = dimensionsField != null && dimensionsField.canConvertToInt() ? dimensionsField.intValue()
        : model.contains("3-large") ? LARGE_DIMENSIONS : DEFAULT_DIMENSIONS;
    if (dimensions < 1 || dimensions > LARGE_DIMENSIONS) {
      throw new InvalidRequestException("dimensions must be within 1 and " + LARGE_DIMENSIONS, "dimensions");
    }
    boolean base64 = "base64".equals(request.path("encoding_format").asText("float"));
    ObjectNode answer = mapper.createObjectNode().put("object", "list");
    ArrayNode data = answer.putArray("data");
    long used = 0;
    for (int i = 0; i < inputs.size(); i++) {
      JsonNode input = inputs.get(i);
      long count = input.isTextual() ? tokens.count(input.asText()) : input.size();
      if ((input.isTextual() && input.asText().isEmpty()) || (input.isArray() && input.isEmpty())) {
        throw new InvalidRequestException("'$.input' is invalid: input[" + i + "] is empty", "input");
      }
      if (count > contextTokens) {
        throw new InvalidRequestException("This model's maximum context length is " + contextTokens
            + " tokens, however you requested " + count + " tokens (" + count + " in your prompt; 0 for the"
            + " completion). Please reduce your prompt; or completion length.", null);
      }
      used += count;
      float[] vector = vector(input.isTextual() ? input.asText() : input.toString(), dimensions);
      ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
      if (base64) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : vector) {
          bytes.putFloat(value);
        }
        item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
      } else {
        ArrayNode values = item.putArray("embedding");
        for (float value : vector) {
          values.add(value);
        }
      }
    }
    answer.put("model", model);
    answer.putObject("usage").put("prompt_tokens", used).put("total_tokens", used);
    return answer;
  }

  /** A unit vector seeded by {@code key}. */
  static float[] vector(String key, int dimensions) {
    long seed = 1125899906842597L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      seed = 31 * seed + b;
    }
    SplittableRandom random = new SplittableRandom(seed);
    float[] vector = new float[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      vector[i] = (float) (random.nextDouble() * 2 - 1);
      norm += vector[i] * vector[i];
    }
    float scale = (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < dimensions; i++) {
      vector[i] *= scale;
    }
    return vector;
  }

  /** One string or one array of token ids is one input; an array of strings or of id arrays one each. */
  private static List<JsonNode> items(JsonNode input) {
    List<JsonNode> items = new ArrayList<>();
    if (input == null || input.isNull()) {
      return items;
    }
    if (input.isArray() && !input.isEmpty() && !input.get(0).isNumber()) {
      input.forEach(items::add);
    } else if (!input.isArray() || !input.isEmpty()) {
      items.add(input);
    }
    return items;
  }
}
