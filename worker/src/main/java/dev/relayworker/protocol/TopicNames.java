package dev.relayworker.protocol;

import java.util.Optional;

/**
 * Kafka's rule for topic names, checked before a requested reply topic is looked up: 1 to 249
 * characters, each an ASCII letter, a digit, '.', '_' or '-', and not "." or "..". (The broker
 * enforces the same; Kafka's own checker is in an internal package.) Pure.
 */
public final class TopicNames {

  static final int MAX_LENGTH = 249;

  private TopicNames() {}

  /** Why {@code name} cannot be a topic, or empty when it can. */
  public static Optional<String> problem(String name) {
    if (name.isEmpty()) {
      return Optional.of("it is empty");
    }
    if (name.equals(".") || name.equals("..")) {
      return Optional.of("'" + name + "' is reserved");
    }
    if (name.length() > MAX_LENGTH) {
      return Optional.of("it is " + name.length() + " characters long, over " + MAX_LENGTH);
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean legal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '_' || c == '-';
      if (!legal) {
        return Optional.of("it contains characters other than ASCII letters, digits, '.', '_' and '-'");
      }
    }
    return Optional.empty();
  }
}
