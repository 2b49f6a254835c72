package dev.relayworker.spend;

import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.SpendBudget;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What this worker adds to the spend ledger: the answers' spend, per slot (scope, UTC hour,
 * request partition), turned into running-total records for the delivery to send beside the
 * replies. A slot's running total starts from what the ledger held for it when this worker first
 * writes it after taking the partition ({@link SpendLedger#recorded}), so a partition's totals go
 * on across owners; a partition taken away is forgotten, its next owner reads the ledger.
 *
 * <p>Use: {@link #spent} as answers are published; {@link #records} when a transaction (or, at
 * least once, a commit) is made; {@link #written} once it succeeded. Spend added in between is
 * not lost: it stays for the next records. Poll thread only.
 */
public final class SpendTally {

  private final String topic;
  private final ToLongFunction<SpendEntry.Slot> recorded;
  private final Clock wall;
  private final Map<SpendEntry.Slot, Long> totals = new HashMap<>();
  private final Map<SpendEntry.Slot, Long> unwritten = new LinkedHashMap<>();
  /** The spend in the records last made, not yet known written. */
  private Map<SpendEntry.Slot, Long> inRecords = Map.of();

  /**
   * @param topic the ledger topic
   * @param recorded the ledger's total for a slot this worker has not written yet
   * @param wall the wall clock, which says the hour a spend falls in
   */
  public SpendTally(String topic, ToLongFunction<SpendEntry.Slot> recorded, Clock wall) {
    this.topic = topic;
    this.recorded = recorded;
    this.wall = wall;
  }

  /** A tally that writes nothing: no spend cap is set, so there is no ledger. */
  public static SpendTally none() {
    return new SpendTally(null, slot -> 0, Clock.systemUTC());
  }

  /**
   * A request of {@code source} was answered with {@code answer} (null: no relay answer): what it
   * counted against its route's caps and its caller's and model's. Nothing when there is no ledger.
   */
  public void answered(CallResult answer, TopicPartition source) {
    if (topic == null || answer == null || answer.route() == null) {
      return;
    }
    spent(SpendBudget.routeScope(answer.route()), source, answer.spentQuota());
    answer.scopedSpend().forEach((scope, quota) -> spent(scope, source, quota));
  }

  /** A request of {@code source} was answered, spending {@code quota} on {@code scope}. */
  public void spent(String scope, TopicPartition source, long quota) {
    if (topic != null && scope != null && quota > 0) {
      unwritten.merge(new SpendEntry.Slot(scope, wall.instant(), source.topic(), source.partition()), quota,
          Long::sum);
    }
  }

  /** Whether spend waits to be written. */
  public boolean hasUnwritten() {
    return !unwritten.isEmpty();
  }

  /** One record per slot with spend not yet written: its new running total. */
  public List<ProducerRecord<byte[], byte[]>> records() {
    if (unwritten.isEmpty()) {
      inRecords = Map.of();
      return List.of();
    }
    inRecords = new LinkedHashMap<>(unwritten);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(inRecords.size());
    inRecords.forEach((slot, added) -> {
      SpendEntry entry = slot.total(total(slot) + added);
      records.add(new ProducerRecord<>(topic, entry.key(), entry.value()));
    });
    return records;
  }

  /** The records last made are safe: their totals are this worker's from now on. */
  public void written() {
    inRecords.forEach((slot, added) -> {
      totals.put(slot, total(slot) + added);
      unwritten.computeIfPresent(slot, (same, now) -> now - added == 0 ? null : now - added);
    });
    inRecords = Map.of();
    Instant oldest = wall.instant().minus(SpendLedger.KEPT);
    totals.keySet().removeIf(slot -> slot.hour().isBefore(oldest));
  }

  /** Partitions taken away: their spend is their next owner's to write, from the ledger. */
  public void forget(Collection<TopicPartition> partitions) {
    totals.keySet().removeIf(slot -> partitions.contains(new TopicPartition(slot.topic(), slot.partition())));
    unwritten.keySet().removeIf(slot -> partitions.contains(new TopicPartition(slot.topic(), slot.partition())));
    inRecords = Map.of();
  }

  private long total(SpendEntry.Slot slot) {
    Long total = totals.get(slot);
    return total != null ? total : recorded.applyAsLong(slot);
  }
}
