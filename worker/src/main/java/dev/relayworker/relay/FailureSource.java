package dev.relayworker.relay;

/** Whose fault a failed relay call is, as far as the relay's answer tells: what an error reply reports. */
public enum FailureSource {
  /** The request is wrong (400, 404, 422): sending it again, or elsewhere, gives the same answer. */
  REQUEST,
  /** The key or its group (401, 402, 403): not allowed, not valid, or out of quota. */
  KEY,
  /** The relay or what is behind it: every other answer, and no answer at all. */
  RELAY
}
