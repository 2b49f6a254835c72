package dev.relayworker.simulator;

/** A misbehaviour the simulator can inject in place of a completion. */
public enum Fault {
  /** 429 with Retry-After and retry-after-ms. */
  RATE_LIMITED("429"),
  SERVER_ERROR("500"),
  BAD_GATEWAY("502"),
  /** 503 of an overloaded upstream (transient, unlike "no channel for model"). */
  UNAVAILABLE("503"),
  GATEWAY_TIMEOUT("504"),
  /** Never answers; the client's timeout has to end the call. */
  HANG("hang"),
  /** Resets the TCP connection (RST) without answering. */
  RESET("reset"),
  /** Answers 200 with a truncated, unparseable body. */
  MALFORMED("malformed"),
  /** Sends the 200 headers and the first bytes of the body, then nothing more: only a deadline ends it. */
  STALL("stall"),
  /** Streams a 200 body that never ends, as fast as the client reads it. */
  ENDLESS("endless"),
  /**
   * The answer cut in the middle: half the events of a streamed answer (no end), or half the bytes
   * of a whole one, then the connection closed.
   */
  CUT("cut"),
  /** A valid completion padded to {@value #BLOATED_BYTES} bytes: more than a Kafka record may hold by default. */
  BLOATED("bloated");

  /** Size of a {@link #BLOATED} answer: twice the producer's default max.request.size. */
  public static final int BLOATED_BYTES = 2 * 1024 * 1024;

  private final String label;

  Fault(String label) {
    this.label = label;
  }

  /** The name used on the command line ({@code --fault 429=0.02}) and in stats. */
  public String label() {
    return label;
  }

  public static Fault ofLabel(String label) {
    for (Fault fault : values()) {
      if (fault.label.equals(label)) {
        return fault;
      }
    }
    throw new IllegalArgumentException("unknown fault '" + label + "'; known: 429, 500, 502, 503, 504, hang,"
        + " reset, malformed, stall, endless, cut, bloated");
  }
}
