package dev.relayworker.pipeline;

import dev.relayworker.metrics.PauseReason;
import dev.relayworker.resilience.Hold;
import dev.relayworker.resilience.RelayAvailability;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partitions take new requests. Every partition pauses while the worker holds
 * {@link IntakeLimits#maxInFlight()} unanswered requests (and resumes a poll's worth below it, so
 * it does not flap, with requests still queued for the relay's slots), or requests holding
 * {@link IntakeLimits#maxInFlightBytes()} (resuming below three quarters of it), while the relay is
 * unavailable ({@link RelayAvailability}: circuit open, a 429's pause, the key out, a spend cap
 * reached), and while the worker
 * stops; one partition pauses when the offsets finished above its committed one no longer fit in
 * the commit metadata. Requests then wait in Kafka, not in memory.
 *
 * <p>Confined to the poll thread, the only one that may touch the consumer.
 */
final class BackPressure {

  private static final Logger log = LoggerFactory.getLogger(BackPressure.class);

  private final Consumer<byte[], byte[]> consumer;
  private final WorkerSettings settings;
  private boolean relayWasDown;
  /**
   * Why every partition was paused at the last turn (stopping, the relay, the in-flight cap), or
   * null when only a partition's own commit metadata could pause it; read by the gauges, so that
   * the loop's turns do no bookkeeping for them.
   */
  private PauseReason allPausedFor;

  BackPressure(Consumer<byte[], byte[]> consumer, WorkerSettings settings) {
    this.consumer = consumer;
    this.settings = settings;
  }

  /** Pauses and resumes partitions for the coming poll. */
  void apply(Ledgers ledgers, RelayAvailability relay, boolean anyParked, boolean stopping) {
    boolean relayDown = relayDown(relay, anyParked);
    int unanswered = ledgers.unanswered();
    Set<TopicPartition> paused = consumer.paused();
    boolean allPaused = !paused.isEmpty() && paused.containsAll(consumer.assignment());
    IntakeLimits intake = settings.intake();
    boolean full = unanswered >= intake.maxInFlight() || (allPaused && unanswered >= intake.resumeBelow())
        || intake.bytesFull(ledgers.heldBytes(), allPaused);
    allPausedFor = stopping ? PauseReason.STOPPING : relayDown ? whyDown(relay) : full ? PauseReason.IN_FLIGHT : null;
    Set<TopicPartition> pause = new HashSet<>();
    for (PartitionLedger ledger : ledgers.all()) {
      if (allPausedFor != null || ledger.full()) {
        pause.add(ledger.partition());
      }
    }
    Set<TopicPartition> resume = new HashSet<>(paused);
    resume.removeAll(pause);
    pause.removeAll(paused);
    if (!pause.isEmpty()) {
      consumer.pause(pause);
    }
    if (!resume.isEmpty()) {
      consumer.resume(resume);
    }
  }

  /**
   * The partitions of {@code ledgers} paused now, counted by why, as the last turn decided; a
   * partition paused for no reason this class knows is not counted.
   */
  Map<PauseReason, Integer> pausedByReason(Ledgers ledgers) {
    Set<TopicPartition> paused = consumer.paused();
    Map<PauseReason, Integer> counts = new EnumMap<>(PauseReason.class);
    for (PartitionLedger ledger : ledgers.all()) {
      PauseReason reason = allPausedFor != null ? allPausedFor
          : ledger.full() ? PauseReason.COMMIT_METADATA : null;
      if (reason != null && paused.contains(ledger.partition())) {
        counts.merge(reason, 1, Integer::sum);
      }
    }
    return counts;
  }

  /** Which hold keeps the relay from new requests. */
  private static PauseReason whyDown(RelayAvailability relay) {
    if (relay.hold() != null) {
      return relay.hold().cause() == Hold.Cause.BUDGET ? PauseReason.BUDGET : PauseReason.KEY_OUT;
    }
    return relay.pausedUntil() != null ? PauseReason.RELAY_PAUSE : PauseReason.CIRCUIT_OPEN;
  }

  /** Newly assigned partitions start paused while the relay is down or the worker stops. */
  void holdIfPaused(Collection<TopicPartition> assigned, boolean stopping) {
    if (relayWasDown || stopping) {
      consumer.pause(assigned);
    }
  }

  private boolean relayDown(RelayAvailability relay, boolean anyParked) {
    boolean down = !relay.takesNewRequests(anyParked);
    if (down != relayWasDown) {
      if (down) {
        log.info("relay unavailable (circuit {}{}{}): pausing consumption; requests wait in Kafka", relay.circuit(),
            relay.pausedUntil() == null ? "" : ", asked to wait until " + relay.pausedUntil(),
            relay.hold() == null ? "" : ", " + relay.hold().reason());
      } else {
        log.info("relay available again (circuit {}): resuming consumption", relay.circuit());
      }
      relayWasDown = down;
    }
    return down;
  }
}
