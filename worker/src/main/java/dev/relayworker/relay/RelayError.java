package dev.relayworker.relay;

/**
 * The {@code error} object of a relay's failure answer: {@code {"error":{"message","type","param","code"}}}.
 * Any field may be null; the relays of this family leave {@code param} and {@code code} empty often.
 * The message has already passed through {@link KeyRedactor}. Immutable.
 */
public record RelayError(String message, String type, String param, String code) {

  public static final RelayError NONE = new RelayError(null, null, null, null);
}
