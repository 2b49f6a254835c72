package dev.relayworker.pipeline;

import dev.relayworker.resilience.RelayCalls;
import dev.relayworker.spend.SpendLedger;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This worker's part of the key's limits and budgets: the fraction of the request topic's
 * partitions it holds, recomputed after every rebalance, so that the workers of a group together
 * stay within what the key allows without talking to each other. With a spend ledger, every
 * rebalance (the first assignment at start included) also reads the ledger to its end and starts
 * the spend caps' windows from what the whole group recorded, each worker taking its share of
 * what is left ({@link RelayCalls#rebase}). It is only as fair as the
 * partitions are even: a worker whose partitions carry more than their share of the traffic waits
 * longer than the others. A worker with no partition keeps the smallest share (one partition's),
 * so a request it still finishes during a hand-over is never stuck behind a zero rate.
 *
 * <p>Confined to the poll thread (it reads the consumer's assignment and metadata).
 */
final class LimitShare {

  private static final Logger log = LoggerFactory.getLogger(LimitShare.class);
  /** Reading the ledger happens inside a rebalance callback, which must not take the whole poll interval. */
  static final Duration LEDGER_READ_TIMEOUT = Duration.ofSeconds(30);

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final RelayCalls relay;
  private final boolean automatic;
  private final SpendLedger ledger;
  private double applied = 1.0;

  /**
   * @param fixed the share set by hand ({@code relay.limit.share}), or 0 to follow the partitions
   * @param ledger the spend ledger, or null when no spend cap is set
   */
  LimitShare(Consumer<byte[], byte[]> consumer, String topic, RelayCalls relay, double fixed, SpendLedger ledger) {
    this.consumer = consumer;
    this.topic = topic;
    this.relay = relay;
    this.automatic = fixed == 0;
    this.ledger = ledger;
    if (!automatic) {
      apply(fixed, "set by relay.limit.share");
    }
  }

  /** After partitions came or went: applies the worker's part of the topic's partitions. */
  void rebalanced() {
    double share = applied;
    String why = "set by relay.limit.share";
    if (automatic) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic);
      if (partitions != null && !partitions.isEmpty()) {
        long held = consumer.assignment().stream().filter(partition -> partition.topic().equals(topic)).count();
        int total = partitions.size();
        share = (double) Math.max(1, held) / total;
        why = held + " of " + total + " partitions";
      }
    }
    if (ledger == null) {
      apply(share, why);
      return;
    }
    boolean read = ledger.catchUp(LEDGER_READ_TIMEOUT);
    relay.rebase(share, ledger);
    applied = share;
    log.info("applying {} of the key's limits and of what the spend ledger leaves of the spend caps ({}{})",
        String.format(Locale.ROOT, "%.3f", share), why, read ? "" : "; the ledger was not read to its end");
  }

  private void apply(double share, String why) {
    if (share == applied) {
      return;
    }
    relay.share(share);
    applied = share;
    log.info("applying {} of the key's limits and budgets ({})", String.format(Locale.ROOT, "%.3f", share), why);
  }
}
