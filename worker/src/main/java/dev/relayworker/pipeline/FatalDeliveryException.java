package dev.relayworker.pipeline;

/**
 * The producer can never publish again: fenced by another instance with its transactional ID,
 * or a broker that does not support what it needs. The worker stops with an error rather than go
 * on without replying; every survivable fault is handled inside the delivery instead.
 */
final class FatalDeliveryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  FatalDeliveryException(String message, Throwable cause) {
    super(message, cause);
  }
}
