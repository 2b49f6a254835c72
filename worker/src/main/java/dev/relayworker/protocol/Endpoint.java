package dev.relayworker.protocol;

import java.util.Optional;

/**
 * The relay endpoint a request is for. A request names it with the {@code endpoint} header
 * ({@link ProtocolHeaders#ENDPOINT}); without one, a body with {@code messages} is a chat request
 * and any other a legacy completion.
 */
public enum Endpoint {
  /** {@code POST /v1/completions}: a {@code prompt}, answered with a {@code text_completion}. */
  COMPLETIONS("/v1/completions"),
  /** {@code POST /v1/chat/completions}: {@code messages}, answered with a {@code chat.completion}. */
  CHAT_COMPLETIONS("/v1/chat/completions");

  private final String path;

  Endpoint(String path) {
    this.path = path;
  }

  /** The path as requests and Batch files name it, such as {@code /v1/chat/completions}. */
  public String path() {
    return path;
  }

  /** The endpoint a path names, with or without its leading slash. */
  public static Optional<Endpoint> ofPath(String path) {
    String normalized = path.startsWith("/") ? path : "/" + path;
    for (Endpoint endpoint : values()) {
      if (endpoint.path.equals(normalized)) {
        return Optional.of(endpoint);
      }
    }
    return Optional.empty();
  }
}
