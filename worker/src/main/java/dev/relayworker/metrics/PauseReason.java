package dev.relayworker.metrics;

import java.util.Locale;

/**
 * Why a partition is paused, as the {@code reason} label of
 * {@code relay_worker_partitions_paused_reason}: what an autoscaler must know before adding
 * replicas, since only {@link #IN_FLIGHT} is a want of capacity that more workers relieve.
 */
public enum PauseReason {
  /** The worker holds as many requests (or bytes) as it may: more replicas would help. */
  IN_FLIGHT,
  /** The circuit breaker is open: the relay is failing. */
  CIRCUIT_OPEN,
  /** The relay asked for a pause (a 429 with Retry-After). */
  RELAY_PAUSE,
  /** The key is used up or refused. */
  KEY_OUT,
  /** A spend cap is reached for its window. */
  BUDGET,
  /** The offsets done above the committed one no longer fit in the commit metadata. */
  COMMIT_METADATA,
  /** The worker is stopping. */
  STOPPING;

  /** The label value. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
