package dev.relayworker.pipeline;

/**
 * The producer can no longer publish safely (fenced by a newer instance, broken sequence,
 * not authorised). The worker stops with an error rather than go on without replying.
 */
final class FatalDeliveryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  FatalDeliveryException(String message, Throwable cause) {
    super(message, cause);
  }
}
