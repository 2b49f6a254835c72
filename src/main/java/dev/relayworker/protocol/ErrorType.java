package dev.relayworker.protocol;

/** The {@code error.type} of an error reply. */
public enum ErrorType {
  /** The record is not a valid request, or the relay refused it as such (400, 404, 422). */
  INVALID_REQUEST("invalid_request_error"),
  /** The relay refused the key (401, 403; also a used-up quota on these relays). */
  AUTHENTICATION("authentication_error"),
  /** The request's deadline passed before an answer came. */
  DEADLINE_EXCEEDED("deadline_exceeded"),
  /** Every allowed attempt failed transiently. */
  RETRIES_EXHAUSTED("retries_exhausted"),
  /** Any other final failure of the relay (402, 503 model_not_found, ...). */
  RELAY_ERROR("relay_error");

  private final String wireName;

  ErrorType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }
}
