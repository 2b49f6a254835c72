package dev.relayworker.relay;

import java.io.IOException;

/**
 * An answer over the call's byte cap ({@code relay.max.response.bytes}), whether its
 * {@code Content-Length} said so or its bytes ran past the cap. Final: the same request would
 * bring the same answer. Both transports raise it; {@link #toRelayException()} is what callers see.
 */
final class AnswerTooLarge extends IOException {

  private static final long serialVersionUID = 1L;

  private final int httpStatus;

  private AnswerTooLarge(String message, int httpStatus) {
    super(message, null);
    this.httpStatus = httpStatus;
  }

  /** The headers announced a body over the cap; not a byte of it is read. */
  static AnswerTooLarge declared(int httpStatus, long declaredBytes, long maxBytes) {
    return new AnswerTooLarge("relay answered " + httpStatus + " with a body of " + declaredBytes
        + " bytes, over relay.max.response.bytes (" + maxBytes + ")", httpStatus);
  }

  /** The body ran past the cap while it was read. */
  static AnswerTooLarge cutOff(int httpStatus, long maxBytes) {
    return new AnswerTooLarge("relay answered " + httpStatus + " with a body over relay.max.response.bytes ("
        + maxBytes + "); it was cut off", httpStatus);
  }

  RelayException toRelayException() {
    return new RelayException(FailureKind.FINAL, httpStatus, RelayError.NONE, null, getMessage());
  }
}
