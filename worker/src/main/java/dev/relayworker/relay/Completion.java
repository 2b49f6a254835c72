package dev.relayworker.relay;

import java.util.Optional;

/**
 * A relay's successful answer: the {@code text_completion} body exactly as received (unknown
 * fields and all), with its {@code usage} parsed out. Immutable; the body array is not copied,
 * so callers must not modify it.
 */
public final class Completion {

  private final byte[] body;
  private final Usage usage;
  private final String model;
  private final int httpStatus;
  private final String relayRequestId;

  public Completion(byte[] body, Usage usage, String model, int httpStatus, String relayRequestId) {
    this.body = body;
    this.usage = usage;
    this.model = model;
    this.httpStatus = httpStatus;
    this.relayRequestId = relayRequestId;
  }

  /** The answer's JSON bytes as the relay sent them. */
  public byte[] body() {
    return body;
  }

  /** Token usage, or empty when the relay left it out (some do on streams). */
  public Optional<Usage> usage() {
    return Optional.ofNullable(usage);
  }

  /** The model the relay says answered, or null. */
  public String model() {
    return model;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The relay's own request ID ({@code X-Oneapi-Request-Id} and kin), useful for support; may be null. */
  public String relayRequestId() {
    return relayRequestId;
  }
}
