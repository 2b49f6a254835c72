package dev.relayworker.resilience;

import java.time.Instant;

/**
 * What every worker of the group has recorded as spent, as far as this worker has read it: the
 * spend ledger's view ({@code ledger.SpendLedger}), which a {@link SpendBudget} starts each
 * window's count from after a rebalance or a restart.
 *
 * <p>Implementations are read on the poll thread, between polls.
 */
@FunctionalInterface
public interface SpendRecord {

  /** Quota recorded against {@code scope} (a route's name) from {@code from} (inclusive) to {@code to} (exclusive). */
  long spent(String scope, Instant from, Instant to);
}
