package dev.relayworker.resilience;

/** What a refused or used-up relay key does to the requests ({@code relay.key.failure}). */
public enum KeyFailureMode {
  /** The key's outage is waited out: consumption pauses, requests park, one probe per interval. */
  PAUSE,
  /**
   * Every request the relay refuses is answered with an {@code authentication_error}, except at the
   * very first call: a key that never worked holds the worker as in {@link #PAUSE}.
   */
  FAIL
}
