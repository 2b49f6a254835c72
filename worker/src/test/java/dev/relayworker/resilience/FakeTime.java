package dev.relayworker.resilience;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when a test says so. Thread-safe. */
final class FakeTime implements TimeSource {

  private final Instant origin = Instant.parse("2026-11-24T12:00:00Z");
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  public Instant now() {
    return origin.plusNanos(nanos.get());
  }

  @Override
  public long nanoTime() {
    return nanos.get();
  }

  void advance(Duration step) {
    nanos.addAndGet(step.toNanos());
  }
}
