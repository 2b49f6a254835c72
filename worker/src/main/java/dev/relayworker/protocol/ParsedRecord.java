package dev.relayworker.protocol;

/** What {@link RequestParser} made of a record: a request to send, or a refusal to answer. */
public sealed interface ParsedRecord {

  String requestId();

  /** A valid request. */
  record Valid(CompletionRequest request) implements ParsedRecord {
    @Override
    public String requestId() {
      return request.requestId();
    }
  }

  /**
   * Not a valid request. It gets an error reply on {@code address} and a dead-letter copy.
   *
   * @param dlqReason short machine-readable reason for the dead-letter header
   * @param logMessage what a log line may say about it: the error's message, unless that quotes the
   *     record's own content (a JSON parser's complaint does), which stays in the reply
   */
  record Invalid(String requestId, byte[] replyKey, ReplyAddress address, ReplyError error, String dlqReason,
      String logMessage) implements ParsedRecord {}
}
