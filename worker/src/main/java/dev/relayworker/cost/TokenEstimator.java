package dev.relayworker.cost;

import com.fasterxml.jackson.databind.JsonNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Counts the tokens a completion or chat request may use before it is sent, as a tokens-per-minute
 * budget must: the prompt in the model's own encoding (jtokkit), plus every completion it may
 * generate, {@code max(n, best_of) × max_tokens} with the API's default of 16 for an absent
 * {@code max_tokens}.
 *
 * <p>Encodings by model name: o200k_base for the gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and o-series
 * families; cl100k_base for gpt-4, gpt-3.5 (gpt-3.5-turbo-instruct included), davinci-002,
 * babbage-002 and the embeddings; p50k_base for text-davinci-002/003 and code-davinci; r50k_base
 * for the first GPT-3 models. Any other model (Claude, Gemini, local models) is counted by a
 * stand-in: its UTF-8 bytes / 4, rounded up, which is characters / 4 for English and about
 * three quarters of a token per character for CJK text. An estimate only decides how long a
 * request waits; the relay's {@code usage} settles the budget afterwards.
 *
 * <p>Special-token texts such as {@code <|endoftext|>} in a prompt are counted as ordinary text.
 * Thread-safe: jtokkit's encodings are.
 */
public final class TokenEstimator {

  /** The API's default {@code max_tokens} for completions. */
  public static final long DEFAULT_MAX_TOKENS = 16;
  /** What a chat request without a token limit is assumed to use per choice. */
  public static final long DEFAULT_CHAT_MAX_TOKENS = 1_024;
  /** A stand-in for an image part of a chat message: OpenAI's count for a low-detail image. */
  public static final long IMAGE_TOKENS = 85;

  private static final List<Map.Entry<String, EncodingType>> BY_PREFIX = List.of(
      Map.entry("gpt-4o", EncodingType.O200K_BASE),
      Map.entry("chatgpt-4o", EncodingType.O200K_BASE),
      Map.entry("gpt-4.1", EncodingType.O200K_BASE),
      Map.entry("gpt-4.5", EncodingType.O200K_BASE),
      Map.entry("gpt-5", EncodingType.O200K_BASE),
      Map.entry("o1", EncodingType.O200K_BASE),
      Map.entry("o3", EncodingType.O200K_BASE),
      Map.entry("o4", EncodingType.O200K_BASE),
      Map.entry("gpt-4", EncodingType.CL100K_BASE),
      Map.entry("gpt-3.5", EncodingType.CL100K_BASE),
      Map.entry("gpt-35", EncodingType.CL100K_BASE),
      Map.entry("davinci-002", EncodingType.CL100K_BASE),
      Map.entry("babbage-002", EncodingType.CL100K_BASE),
      Map.entry("text-embedding-", EncodingType.CL100K_BASE),
      Map.entry("text-davinci-002", EncodingType.P50K_BASE),
      Map.entry("text-davinci-003", EncodingType.P50K_BASE),
      Map.entry("code-davinci", EncodingType.P50K_BASE),
      Map.entry("text-davinci-001", EncodingType.R50K_BASE),
      Map.entry("text-curie-001", EncodingType.R50K_BASE),
      Map.entry("text-babbage-001", EncodingType.R50K_BASE),
      Map.entry("text-ada-001", EncodingType.R50K_BASE));

  private final EncodingRegistry registry = Encodings.newLazyEncodingRegistry();

  /**
   * @param model the request's model
   * @param prompt the {@code prompt} field: a string, strings, token ids, or lists of token ids
   * @param suffix the {@code suffix} field, or null
   * @param n the {@code n} field, or null (1)
   * @param bestOf the {@code best_of} field, or null
   * @param maxTokens the {@code max_tokens} field, or null ({@value #DEFAULT_MAX_TOKENS})
   */
  public TokenEstimate estimate(String model, JsonNode prompt, JsonNode suffix, JsonNode n, JsonNode bestOf,
      JsonNode maxTokens) {
    Counter counter = counterFor(model);
    long promptTokens = count(counter, prompt);
    long prompts = prompt != null && prompt.isArray() && !prompt.isEmpty() && !prompt.get(0).isNumber()
        ? prompt.size() : 1;
    if (suffix != null && suffix.isTextual()) {
      promptTokens += prompts * counter.count(suffix.asText());
    }
    long choices = Math.max(positive(n, 1), positive(bestOf, 1));
    long perChoice = positive(maxTokens, DEFAULT_MAX_TOKENS);
    return new TokenEstimate(promptTokens, saturatingMultiply(prompts * choices, perChoice));
  }

  /**
   * The tokens an embeddings request's {@code input} holds: each string in the model's encoding
   * (the stand-in where none is known), each token id as one. Embeddings generate nothing, so this
   * is all the request may use.
   */
  public long countInput(String model, JsonNode input) {
    return count(counterFor(model), input);
  }

  /**
   * The most tokens a chat request may use, counted as OpenAI counts messages: 3 tokens for each
   * message, its role and content (text parts; an image part is counted as {@value #IMAGE_TOKENS}
   * tokens, OpenAI's figure for a low-detail image, as a stand-in), 1 more for a {@code name}, and 3
   * that prime the reply; plus {@code n} completions of {@code max_completion_tokens} (or
   * {@code max_tokens}; {@value #DEFAULT_CHAT_MAX_TOKENS} when neither is set, the figure gateways
   * assume, since the API's own default is the model's whole context).
   */
  public TokenEstimate estimateChat(String model, JsonNode messages, JsonNode n, JsonNode maxTokens) {
    Counter counter = counterFor(model);
    long promptTokens = 3;
    if (messages != null && messages.isArray()) {
      for (JsonNode message : messages) {
        promptTokens += 3;
        for (java.util.Iterator<Map.Entry<String, JsonNode>> fields = message.fields(); fields.hasNext(); ) {
          Map.Entry<String, JsonNode> field = fields.next();
          promptTokens += "name".equals(field.getKey()) ? 1 + countText(counter, field.getValue())
              : "content".equals(field.getKey()) ? countContent(counter, field.getValue())
              : countText(counter, field.getValue());
        }
      }
    }
    long choices = positive(n, 1);
    return new TokenEstimate(promptTokens, saturatingMultiply(choices, positive(maxTokens, DEFAULT_CHAT_MAX_TOKENS)));
  }

  /**
   * The most tokens a Messages request (Anthropic's format) may use: its {@code system} (a string
   * or text blocks) and messages counted as a chat request's, plus its one answer of
   * {@code max_tokens}, which the format requires.
   */
  public TokenEstimate estimateMessages(String model, JsonNode system, JsonNode messages, JsonNode maxTokens) {
    TokenEstimate chat = estimateChat(model, messages, null, maxTokens);
    return new TokenEstimate(chat.promptTokens() + countContent(counterFor(model), system), chat.completionTokens());
  }

  /** A message's content: a string, or parts of which text is counted and each image is {@value #IMAGE_TOKENS}. */
  private static long countContent(Counter counter, JsonNode content) {
    if (content == null || !content.isArray()) {
      return countText(counter, content);
    }
    long total = 0;
    for (JsonNode part : content) {
      String type = part.path("type").asText("");
      total += type.startsWith("image") ? IMAGE_TOKENS : countText(counter, part.path("text"));
    }
    return total;
  }

  /** A string counted; any other JSON (tool calls, a function's arguments) counted as its text. */
  private static long countText(Counter counter, JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return 0;
    }
    return counter.count(value.isTextual() ? value.asText() : value.toString());
  }

  /** Which encoding counts {@code model}'s prompts; empty for the stand-in. */
  static java.util.Optional<EncodingType> encodingOf(String model) {
    String name = model == null ? "" : model.toLowerCase(Locale.ROOT);
    int slash = name.lastIndexOf('/');
    String bare = slash >= 0 ? name.substring(slash + 1) : name; // "openai/gpt-4o" as some relays name it
    for (Map.Entry<String, EncodingType> entry : BY_PREFIX) {
      if (bare.startsWith(entry.getKey())) {
        return java.util.Optional.of(entry.getValue());
      }
    }
    if (bare.equals("davinci") || bare.equals("curie") || bare.equals("babbage") || bare.equals("ada")) {
      return java.util.Optional.of(EncodingType.R50K_BASE);
    }
    return java.util.Optional.empty();
  }

  private Counter counterFor(String model) {
    return encodingOf(model).<Counter>map(type -> {
      Encoding encoding = registry.getEncoding(type);
      return encoding::countTokensOrdinary;
    }).orElse(TokenEstimator::standIn);
  }

  /** UTF-8 bytes / 4, rounded up: characters / 4 for English. */
  static long standIn(String text) {
    return (text.getBytes(StandardCharsets.UTF_8).length + 3) / 4;
  }

  private static long count(Counter counter, JsonNode prompt) {
    if (prompt == null || prompt.isNull()) {
      return 0;
    }
    if (prompt.isTextual()) {
      return counter.count(prompt.asText());
    }
    if (!prompt.isArray()) {
      return 0;
    }
    long total = 0;
    for (JsonNode element : prompt) {
      if (element.isNumber()) {
        total++; // a token id
      } else if (element.isArray()) {
        total += element.size(); // a list of token ids
      } else if (element.isTextual()) {
        total += counter.count(element.asText());
      }
    }
    return total;
  }

  private static long positive(JsonNode field, long absent) {
    return field != null && field.canConvertToLong() && field.longValue() > 0 ? field.longValue() : absent;
  }

  private static long saturatingMultiply(long a, long b) {
    long high = Math.multiplyHigh(a, b);
    long low = a * b;
    return (high == 0 && low >= 0) ? low : Long.MAX_VALUE;
  }

  private interface Counter {
    long count(String text);
  }
}
