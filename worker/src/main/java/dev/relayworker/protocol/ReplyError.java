package dev.relayworker.protocol;

/**
 * The body of an error reply, {@code {"error":{"message","type","param","code"}}}, the shape
 * OpenAI and the relays use. {@code param} and {@code code} may be null. Immutable.
 */
public record ReplyError(ErrorType type, String message, String param, String code) {

  public static ReplyError invalid(String message, String param) {
    return new ReplyError(ErrorType.INVALID_REQUEST, message, param, null);
  }
}
