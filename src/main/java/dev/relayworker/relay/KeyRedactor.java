package dev.relayworker.relay;

/**
 * Removes the relay key from text that came from elsewhere (error bodies, exception messages)
 * before it can reach a log line, an exception or a reply. Some gateways echo the presented
 * key, or a prefix of it, in their "invalid token" messages.
 *
 * <p>Immutable and thread-safe.
 */
public final class KeyRedactor {

  static final String MASK = "[redacted]";
  /** Shortest key suffix still worth hiding: a printed prefix like "sk-abc..." gives away little. */
  private static final int MIN_SECRET_LENGTH = 8;

  private final String key;

  public KeyRedactor(String key) {
    this.key = key == null ? "" : key;
  }

  public String redact(String text) {
    if (text == null || key.length() < MIN_SECRET_LENGTH) {
      return text;
    }
    String redacted = text.replace(key, MASK);
    String bare = key.startsWith("sk-") ? key.substring(3) : key;
    return bare.length() >= MIN_SECRET_LENGTH ? redacted.replace(bare, MASK) : redacted;
  }
}
