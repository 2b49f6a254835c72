package dev.relayworker.relay;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Reads how long a relay asks the client to wait: {@code retry-after-ms} first (OpenAI's own,
 * millisecond precision), then {@code Retry-After} as delta-seconds or an HTTP date. Pure.
 */
public final class RetryAfter {

  private RetryAfter() {}

  /** The requested wait, never negative, or empty when no usable header is present. */
  public static Optional<Duration> parse(HttpHeaders headers, Instant now) {
    return parse(name -> headers.firstValue(name).orElse(null), now);
  }

  /**
   * The requested wait, never negative, or empty when no usable header is present.
   *
   * @param header a header's first value by name, or null when absent
   */
  public static Optional<Duration> parse(UnaryOperator<String> header, Instant now) {
    Optional<Duration> millis = Optional.ofNullable(header.apply("retry-after-ms")).flatMap(RetryAfter::parseMillis);
    if (millis.isPresent()) {
      return millis;
    }
    return Optional.ofNullable(header.apply("retry-after")).flatMap(value -> parseRetryAfter(value, now));
  }

  static Optional<Duration> parseMillis(String value) {
    try {
      double millis = Double.parseDouble(value.trim());
      return millis >= 0 && Double.isFinite(millis)
          ? Optional.of(Duration.ofNanos((long) (millis * 1_000_000)))
          : Optional.empty();
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  static Optional<Duration> parseRetryAfter(String value, Instant now) {
    String trimmed = value.trim();
    try {
      double seconds = Double.parseDouble(trimmed);
      return seconds >= 0 && Double.isFinite(seconds)
          ? Optional.of(Duration.ofMillis((long) (seconds * 1000)))
          : Optional.empty();
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(now, at);
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
      } catch (DateTimeParseException notDate) {
        return Optional.empty();
      }
    }
  }
}
