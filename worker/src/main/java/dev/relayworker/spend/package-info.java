/**
 * The spend ledger: what every worker of the group spent, per scope (a route), per UTC hour and per
 * request partition, kept in a compacted Kafka topic of the worker's own so that spend caps hold
 * across restarts and across the workers of a group. {@link dev.relayworker.spend.SpendTally}
 * writes it beside the replies, {@link dev.relayworker.spend.SpendLedger} reads it back at start
 * and after every rebalance. docs/economics.md explains what is written when and what survives what.
 */
package dev.relayworker.spend;
