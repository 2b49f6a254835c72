package dev.relayworker.relay;

/** Whether a failed relay call may succeed if tried again. */
public enum FailureKind {
  /** Worth another attempt: overload, outage, timeouts, broken connections, garbled answers. */
  TRANSIENT,
  /** Trying again gives the same answer: bad request, bad key, model not served. */
  FINAL
}
