package dev.relayworker.simulator;

/** A completion request the simulator refuses with 400, naming the field at fault. */
final class InvalidRequestException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String param;

  InvalidRequestException(String message, String param) {
    super(message, null, false, false);
    this.param = param;
  }

  String param() {
    return param;
  }
}
