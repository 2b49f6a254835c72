package dev.relayworker.pipeline;

/**
 * Text from records (request IDs made of keys and headers) as it may appear in a log line: control
 * characters escaped, so a key with a newline cannot forge a line, and long IDs cut, so a 600 kB
 * key does not become a 600 kB line. Pure.
 */
final class LogText {

  static final int MAX_CHARS = 120;

  private LogText() {}

  static String of(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder safe = new StringBuilder(Math.min(text.length(), MAX_CHARS) + 24);
    for (int i = 0; i < text.length() && safe.length() < MAX_CHARS; i++) {
      char c = text.charAt(i);
      if (c == '\n') {
        safe.append("\\n");
      } else if (c == '\r') {
        safe.append("\\r");
      } else if (Character.isISOControl(c)) {
        safe.append(String.format("\\u%04x", (int) c));
      } else {
        safe.append(c);
      }
    }
    return safe.length() >= MAX_CHARS && text.length() > MAX_CHARS
        ? safe + "...(" + text.length() + " chars)" : safe.toString();
  }
}
