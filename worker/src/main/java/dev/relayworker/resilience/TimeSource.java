package dev.relayworker.resilience;

import java.time.Instant;

/**
 * Where the resilience layer reads the time: wall-clock instants for deadlines, monotonic
 * nanoseconds for pacing. Tests pass a fake one instead of sleeping.
 */
public interface TimeSource {

  TimeSource SYSTEM = new TimeSource() {
    @Override
    public Instant now() {
      return Instant.now();
    }

    @Override
    public long nanoTime() {
      return System.nanoTime();
    }
  };

  Instant now();

  long nanoTime();
}
