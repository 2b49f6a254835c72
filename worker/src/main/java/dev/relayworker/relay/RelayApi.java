package dev.relayworker.relay;

/**
 * The relay's endpoints the worker calls, each with the {@code object} type its answers carry.
 * Relative to the relay's base URL.
 */
public enum RelayApi {
  /** The legacy completions endpoint: a {@code prompt} in, a {@code text_completion} out. */
  COMPLETIONS("v1/completions", "text_completion"),
  /** Chat completions: {@code messages} in, a {@code chat.completion} out. */
  CHAT_COMPLETIONS("v1/chat/completions", "chat.completion");

  private final String path;
  private final String objectType;

  RelayApi(String path, String objectType) {
    this.path = path;
    this.objectType = objectType;
  }

  /** The path relative to the base URL, without a leading slash. */
  public String path() {
    return path;
  }

  /** The {@code object} of a successful answer. */
  public String objectType() {
    return objectType;
  }
}
