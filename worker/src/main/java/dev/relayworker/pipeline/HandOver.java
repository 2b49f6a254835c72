package dev.relayworker.pipeline;

import java.time.Clock;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partitions coming and going. An assigned partition opens its {@link PartitionLedger} from the
 * group's committed offset and metadata, so offsets finished before a restart are skipped. A
 * revoked partition is handed over cleanly: its requests in flight are finished, published and
 * committed (waiting up to {@code rebalance.drain.timeout.ms}), so the new owner repeats nothing
 * that finished in time; what is left unfinished is redone there. A lost partition (no clean
 * hand-over possible) is only forgotten. After each rebalance the worker's {@link LimitShare} of the
 * key's limits follows its partitions.
 *
 * <p>Kafka calls these on the poll thread, inside {@code poll()}; they must not be called elsewhere.
 */
final class HandOver implements ConsumerRebalanceListener {

  private static final Logger log = LoggerFactory.getLogger(HandOver.class);

  private final InFlightWork loop;
  private final Consumer<byte[], byte[]> consumer;
  private final Ledgers ledgers;
  private final Delivery delivery;
  private final BackPressure backPressure;
  private final StatusReporter status;
  private final Mailbox mailbox;
  private final WorkerSettings settings;
  private final LimitShare share;
  private final Clock clock;

  /** @param loop drains partitions (handling the mailbox meanwhile) and forgets what they held */
  HandOver(InFlightWork loop, Consumer<byte[], byte[]> consumer, Ledgers ledgers, Delivery delivery,
      BackPressure backPressure, StatusReporter status, Mailbox mailbox, WorkerSettings settings, LimitShare share,
      Clock clock) {
    this.loop = loop;
    this.consumer = consumer;
    this.ledgers = ledgers;
    this.delivery = delivery;
    this.backPressure = backPressure;
    this.status = status;
    this.mailbox = mailbox;
    this.settings = settings;
    this.share = share;
    this.clock = clock;
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    share.rebalanced();
    if (partitions.isEmpty()) {
      status.rebalanced();
      return;
    }
    // Inside poll(): a post must not wake the consumer up in the middle of the callback's calls.
    mailbox.pollerWaiting(false);
    Map<TopicPartition, OffsetAndMetadata> committed = committed(new HashSet<>(partitions));
    partitions.forEach(partition -> ledgers.open(partition, committed.get(partition)));
    backPressure.holdIfPaused(partitions, loop.stopping());
    status.rebalanced();
    log.info("assigned {}", partitions);
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) {
      return;
    }
    mailbox.pollerWaiting(false);
    if (!loop.closing()) {
      loop.drain(partitions, clock.instant().plus(settings.rebalanceDrainTimeout()));
    }
    delivery.flush(true, partitions);
    int unfinished = ledgers.release(partitions);
    loop.forget(partitions);
    status.rebalanced();
    log.info("revoked {}{}", partitions, unfinished == 0 ? "" : "; " + unfinished
        + " requests were unfinished and will be redone by the new owner");
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    int unfinished = ledgers.release(partitions);
    loop.forget(partitions);
    log.warn("lost {} without a clean hand-over; {} requests in flight will be redone", partitions, unfinished);
  }

  /** The group's committed offsets and metadata; a stray mailbox wake-up is not a reason to fail. */
  private Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions) {
    for (int attempt = 1; ; attempt++) {
      try {
        return consumer.committed(partitions);
      } catch (WakeupException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }
}
