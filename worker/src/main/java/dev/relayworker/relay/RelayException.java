package dev.relayworker.relay;

import java.time.Duration;
import java.util.Optional;

/**
 * One relay attempt that did not produce a completion: an error status, a garbled 2xx body,
 * or a transport failure (timeout, refused or reset connection).
 *
 * <p>Carries what the retry layer needs ({@link #kind()}, {@link #retryAfter()}) and what a
 * reply needs ({@link #httpStatus()}, {@link #error()}). Messages never contain the relay key.
 * No stack trace is filled in: under a relay outage these are created by the thousand and the
 * trace would only show the HTTP client's internals.
 */
public final class RelayException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final FailureKind kind;
  private final int httpStatus;
  private final transient RelayError error;
  private final transient Duration retryAfter;
  private final String relayRequestId;

  public RelayException(FailureKind kind, int httpStatus, RelayError error, Duration retryAfter, String message) {
    this(kind, httpStatus, error, retryAfter, message, null);
  }

  /** @param relayRequestId the relay's own ID of the failed call, or null */
  public RelayException(FailureKind kind, int httpStatus, RelayError error, Duration retryAfter, String message,
      String relayRequestId) {
    super(message, null, false, false);
    this.kind = kind;
    this.httpStatus = httpStatus;
    this.error = error == null ? RelayError.NONE : error;
    this.retryAfter = retryAfter;
    this.relayRequestId = relayRequestId;
  }

  public static RelayException transport(FailureKind kind, String message) {
    return new RelayException(kind, 0, RelayError.NONE, null, message);
  }

  public FailureKind kind() {
    return kind;
  }

  public boolean isTransient() {
    return kind == FailureKind.TRANSIENT;
  }

  /** Whose fault it is, by its status and body ({@link FailureClassifier#sourceOf}). */
  public FailureSource source() {
    return FailureClassifier.sourceOf(httpStatus, error);
  }

  /** The HTTP status the relay answered, or 0 when no answer arrived. */
  public int httpStatus() {
    return httpStatus;
  }

  public RelayError error() {
    return error;
  }

  /** The relay's own ID of this call ({@code X-Oneapi-Request-Id} or a message's {@code (request id: X)}), or null. */
  public String relayRequestId() {
    return relayRequestId;
  }

  /** How long the relay asked us to wait ({@code retry-after-ms} / {@code Retry-After}), if it did. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
