package dev.relayworker.protocol;

/** The {@code error.type} of an error reply. */
public enum ErrorType {
  /** The record is not a valid request, or the relay refused it as such (400, 404, 422). */
  INVALID_REQUEST("invalid_request_error"),
  /** The relay refused the key (401, 403; also a used-up quota on these relays). */
  AUTHENTICATION("authentication_error"),
  /**
   * The relay refused this request as larger than what is left of the key's balance (new-api's
   * pre-charge: "need quota" over "user quota"), on every route that could take it; smaller
   * requests still pass. The message is the relay's, naming both.
   */
  INSUFFICIENT_QUOTA("insufficient_quota"),
  /**
   * A spend cap of the request's caller or model is reached for the current window
   * ({@code budget.caller.usd.per.day}, ...); the message names the cap and when the window
   * reopens. Other callers' and models' requests are unaffected. No call was sent.
   */
  BUDGET_EXCEEDED("budget_exceeded"),
  /** The request's deadline passed before an answer came. */
  DEADLINE_EXCEEDED("deadline_exceeded"),
  /** Every allowed attempt failed transiently. */
  RETRIES_EXHAUSTED("retries_exhausted"),
  /** Any other final failure of the relay (402, 503 model_not_found, an answer over relay.max.response.bytes, ...). */
  RELAY_ERROR("relay_error"),
  /**
   * The answer was ready but its reply record would not fit the reply topic (the smaller of the
   * producer's max.request.size and the topic's max.message.bytes); the message names both sizes.
   */
  REPLY_TOO_LARGE("reply_too_large"),
  /**
   * {@code consumer.mode=share}: the request record was on the last delivery its share group
   * allows ({@code share.delivery.count.limit}) and could not be answered on it (the worker stopped
   * while it was at the relay or parked): answered so rather than archived without a reply.
   */
  DELIVERIES_EXHAUSTED("deliveries_exhausted");

  private final String wireName;

  ErrorType(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }
}
