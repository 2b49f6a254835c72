package dev.relayworker.relay;

import java.util.Optional;

/**
 * The relay endpoints the worker calls, the one list of them: each with the path requests and
 * Batch files name it by and the {@code object} type its answers carry. A request names one with
 * the {@code endpoint} header; without one, a body with {@code messages} is a chat request, one
 * with {@code input} (and no {@code prompt}) an embeddings request, and any other a legacy
 * completion (the parser decides, once).
 */
public enum RelayApi {
  /** {@code POST /v1/completions}: a {@code prompt} in, a {@code text_completion} out. */
  COMPLETIONS("/v1/completions", "text_completion", "choices"),
  /** {@code POST /v1/chat/completions}: {@code messages} in, a {@code chat.completion} out. */
  CHAT_COMPLETIONS("/v1/chat/completions", "chat.completion", "choices"),
  /** {@code POST /v1/embeddings}: {@code input} in, a {@code list} of {@code embedding} objects out. */
  EMBEDDINGS("/v1/embeddings", "list", "data"),
  /**
   * {@code POST /v1/messages}, Anthropic's Messages format as new-api relays serve it: {@code messages}
   * of content blocks and a {@code max_tokens} in, a {@code message} (its {@code type}) of
   * {@code content} blocks out.
   */
  MESSAGES("/v1/messages", "message", "content");

  private final String path;
  private final String objectType;
  private final String resultsField;

  RelayApi(String path, String objectType, String resultsField) {
    this.path = path;
    this.objectType = objectType;
    this.resultsField = resultsField;
  }

  /** The field naming a successful answer's kind: {@code type} for Messages, {@code object} for the OpenAI formats. */
  public String kindField() {
    return this == MESSAGES ? "type" : "object";
  }

  /** The array of results a successful answer must carry: {@code choices}, or {@code data} for embeddings. */
  public String resultsField() {
    return resultsField;
  }

  /** The path as requests and Batch files name it, such as {@code /v1/chat/completions}. */
  public String path() {
    return path;
  }

  /** The path relative to the relay's base URL (no leading slash), so a base URL's own path is kept. */
  public String relativePath() {
    return path.substring(1);
  }

  /** The {@code object} of a successful answer. */
  public String objectType() {
    return objectType;
  }

  /** The endpoint a path names, with or without its leading slash. */
  public static Optional<RelayApi> ofPath(String path) {
    String normalized = path.startsWith("/") ? path : "/" + path;
    for (RelayApi api : values()) {
      if (api.path.equals(normalized)) {
        return Optional.of(api);
      }
    }
    return Optional.empty();
  }
}
