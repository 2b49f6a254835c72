package dev.relayworker.relay;

/**
 * Removes the relay key from text that came from elsewhere (error bodies, exception messages)
 * before it can reach a log line, an exception or a reply. Some gateways echo the presented
 * key, or the key without its {@code sk-} prefix, in their "invalid token" messages.
 *
 * <p>The whole key is removed whatever its length; the bare form only when it is long enough not
 * to match ordinary words. Immutable and thread-safe.
 */
public final class KeyRedactor {

  static final String MASK = "[redacted]";
  /** Shortest bare key (without "sk-") worth hunting for: shorter ones would hit ordinary text. */
  private static final int MIN_BARE_LENGTH = 8;

  private final String key;
  private final String bare;

  public KeyRedactor(String key) {
    this.key = key == null ? "" : key;
    String withoutPrefix = this.key.startsWith("sk-") ? this.key.substring(3) : "";
    this.bare = withoutPrefix.length() >= MIN_BARE_LENGTH ? withoutPrefix : "";
  }

  public String redact(String text) {
    if (text == null || key.isEmpty()) {
      return text;
    }
    String redacted = text.replace(key, MASK);
    return bare.isEmpty() ? redacted : redacted.replace(bare, MASK);
  }
}
