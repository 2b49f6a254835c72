package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");

  @Test
  void prefersRetryAfterMsOverRetryAfter() {
    assertThat(RetryAfter.parse(headers(Map.of("retry-after-ms", "250", "retry-after", "9")), NOW))
        .contains(Duration.ofMillis(250));
  }

  @Test
  void readsDeltaSeconds() {
    assertThat(RetryAfter.parse(headers(Map.of("Retry-After", "3")), NOW)).contains(Duration.ofSeconds(3));
  }

  @Test
  void readsHttpDate() {
    assertThat(RetryAfter.parse(headers(Map.of("Retry-After", "Tue, 24 Nov 2026 12:00:07 GMT")), NOW))
        .contains(Duration.ofSeconds(7));
  }

  @Test
  void aDateInThePastMeansNoWait() {
    assertThat(RetryAfter.parse(headers(Map.of("Retry-After", "Tue, 24 Nov 2026 11:00:00 GMT")), NOW))
        .contains(Duration.ZERO);
  }

  @Test
  void ignoresGarbageAndNegativeValues() {
    assertThat(RetryAfter.parse(headers(Map.of("retry-after-ms", "-5", "Retry-After", "soon")), NOW)).isEmpty();
    assertThat(RetryAfter.parse(headers(Map.of()), NOW)).isEmpty();
  }

  private static HttpHeaders headers(Map<String, String> values) {
    Map<String, List<String>> map = new java.util.HashMap<>();
    values.forEach((name, value) -> map.put(name, List.of(value)));
    return HttpHeaders.of(map, (name, value) -> true);
  }
}
