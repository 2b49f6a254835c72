package dev.relayworker.pipeline;

import dev.relayworker.resilience.RelayAvailability;
import java.util.Collection;
import java.util.HashSet;
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
    Set<TopicPartition> pause = new HashSet<>();
    for (PartitionLedger ledger : ledgers.all()) {
      if (relayDown || full || stopping || ledger.full()) {
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
