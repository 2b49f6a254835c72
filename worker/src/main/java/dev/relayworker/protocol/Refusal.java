package dev.relayworker.protocol;

/**
 * A record refused on its way through the parser, and why: becomes {@link ParsedRecord.Invalid},
 * an error reply and a dead-letter copy. No stack trace.
 */
final class Refusal extends RuntimeException {
  private static final long serialVersionUID = 1L;
  final String reason;
  final String param;
  /** What a log line may say instead of the message, when the message quotes the record; else null. */
  final String logMessage;

  Refusal(String reason, String message, String param) {
    this(reason, message, param, null);
  }

  Refusal(String reason, String message, String param, String logMessage) {
    super(message, null, false, false);
    this.reason = reason;
    this.param = param;
    this.logMessage = logMessage;
  }
}
