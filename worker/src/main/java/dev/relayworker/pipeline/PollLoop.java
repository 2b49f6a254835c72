package dev.relayworker.pipeline;

import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.pipeline.Mailbox.Event;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.resilience.RelayCalls;
import dev.relayworker.spend.SpendLedger;
import dev.relayworker.streaming.ChunkPublisher;
import dev.relayworker.tracing.Tracing;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's heart: the one thread that owns the consumer. Each turn it handles what relay and
 * producer threads posted to the {@link Mailbox}, lets {@link BackPressure} pause or resume
 * partitions, has the {@link Delivery} send and commit what is due, and polls for more requests,
 * which the {@link RequestFlow} parses and hands to the relay without waiting for them.
 *
 * <p>Life of a record: taken (its offset joins the partition's {@link PartitionLedger}; offsets
 * recorded as done before a restart are skipped), sent to the relay, answered or parked
 * ({@link Outcomes}), checked and if need be replaced by the {@link ReplyRouter}, and done when
 * its records are safe or given up. Only then can the committed offset move past it; no record,
 * reply or relay answer can hold it back for ever. Partitions come and go through {@link HandOver}.
 *
 * <p>Threads: {@link #run} on the poll thread; {@link #stop} from any thread. Tests drive the
 * loop a turn at a time with {@link #open} and {@link #turn} on their own thread.
 */
final class PollLoop implements RequestLoop, InFlightWork {

  private static final Logger log = LoggerFactory.getLogger(PollLoop.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);

  private final Consumer<byte[], byte[]> consumer;
  private final RelayCalls relay;
  private final WorkerSettings settings;
  private final Clock clock;
  private final Mailbox mailbox;
  private final Ledgers ledgers;
  private final Delivery delivery;
  private final RequestFlow flow;
  private final BackPressure backPressure;
  private final StatusReporter status;
  private final HandOver handOver;
  private final SpendLedger spendLedger;
  private volatile boolean stopRequested;
  private boolean closing;

  /**
   * @param router checks and routes every record the loop publishes
   * @param clock the worker's steady clock: deadlines, intervals and timeouts
   * @param wall the wall clock: record timestamps and {@code deadline_ms} are read on it
   * @param delivery builds the delivery for this loop's consumer, mailbox and ledgers
   * @param spendLedger read after every rebalance, closed with the loop; null when no spend cap is set
   */
  PollLoop(Consumer<byte[], byte[]> consumer, RelayCalls relay, RequestParser parser, ReplyRecords replies,
      ReplyRouter router, WorkerSettings settings, Clock clock, Clock wall, DeliveryFactory delivery,
      WorkerMetrics metrics, SpendLedger spendLedger) {
    this(consumer, relay, parser, replies, router, settings, clock, wall, delivery, metrics, spendLedger, null,
        Tracing.off());
  }

  /**
   * @param chunks where streamed requests' text goes as it arrives; null: they get their final reply only
   * @param tracing where each request's spans begin ({@link Tracing#off()}: none)
   */
  PollLoop(Consumer<byte[], byte[]> consumer, RelayCalls relay, RequestParser parser, ReplyRecords replies,
      ReplyRouter router, WorkerSettings settings, Clock clock, Clock wall, DeliveryFactory delivery,
      WorkerMetrics metrics, SpendLedger spendLedger, ChunkPublisher chunks, Tracing tracing) {
    this.consumer = consumer;
    this.relay = relay;
    this.settings = settings;
    this.clock = clock;
    this.mailbox = new Mailbox(consumer::wakeup);
    this.ledgers = new Ledgers(settings.offsetMetadataMaxBytes());
    this.delivery = delivery.create(mailbox, ledgers);
    this.flow = new RequestFlow(relay, parser, replies, router, settings, clock, wall, mailbox, this.delivery, metrics,
        chunks, tracing);
    this.backPressure = new BackPressure(consumer, settings);
    this.status = new StatusReporter(consumer, ledgers, flow.outcomes()::parkedCount,
        () -> backPressure.pausedByReason(ledgers), () -> StatusReporter.pacingWaitNanos(relay), metrics, clock);
    this.handOver = new HandOver(this, consumer, ledgers, this.delivery, backPressure, status, mailbox, settings,
        new LimitShare(consumer, settings.requestTopic(), relay, settings.limitShare(), spendLedger), clock);
    this.spendLedger = spendLedger;
  }

  /** Builds the {@link Delivery} once the loop's parts exist. */
  interface DeliveryFactory {
    Delivery create(Mailbox mailbox, Ledgers ledgers);
  }

  @Override
  public void run() {
    open();
    try {
      while (!stopRequested) {
        turn();
      }
      finishInFlight();
    } finally {
      close();
    }
  }

  /** Asks the loop to stop taking requests, finish those in flight, commit and return. */
  @Override
  public void stop() {
    stopRequested = true;
    consumer.wakeup();
  }

  /**
   * Joins the consumer group on the request topic and the retry topic (where requests parked too
   * long were moved); partitions arrive through {@link HandOver} during a later poll.
   */
  void open() {
    consumer.subscribe(List.of(settings.requestTopic(), settings.retryTopic()), handOver);
  }

  /** One turn: what came back, what may be consumed, what is due to send and commit, then a poll. */
  void turn() {
    flow.handleEvents();
    backPressure.apply(ledgers, relay.availability(), flow.outcomes().parkedCount() > 0, stopRequested);
    delivery.flush(false, ledgers.partitions());
    ConsumerRecords<byte[], byte[]> records = poll();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      take(record);
    }
    // Past transaction markers too: what is committed is where the consumer stands, not last offset + 1.
    ledgers.readTo(records.nextOffsets());
    status.turned();
  }

  private ConsumerRecords<byte[], byte[]> poll() {
    // Results are handled the moment they arrive: each frees an in-flight slot at once.
    mailbox.pollerWaiting(true);
    try {
      return consumer.poll(mailbox.isEmpty() ? POLL_TIMEOUT : Duration.ZERO);
    } catch (WakeupException e) {
      return ConsumerRecords.empty();
    } finally {
      mailbox.pollerWaiting(false);
    }
  }

  private void take(ConsumerRecord<byte[], byte[]> record) {
    PartitionLedger ledger = ledgers.get(new TopicPartition(record.topic(), record.partition()));
    if (ledger != null && ledger.take(record.offset(), RequestBytes.held(record))) {
      flow.take(record, ledger);
    }
    // Otherwise revoked during this poll, or answered before a restart: nothing to do.
  }

  /** Stops consuming, waits up to the shutdown timeout for requests in flight, commits. */
  private void finishInFlight() {
    consumer.pause(consumer.assignment());
    drain(ledgers.partitions(), clock.instant().plus(settings.shutdownTimeout()));
    delivery.flush(true, ledgers.partitions());
    int unfinished = ledgers.inFlight();
    if (unfinished > 0) {
      log.warn("stopping with {} requests unfinished after {}; they are not committed and will be redone",
          unfinished, settings.shutdownTimeout());
    }
  }

  private void close() {
    closing = true;
    try {
      consumer.close();
    } finally {
      try {
        delivery.close();
      } finally {
        if (spendLedger != null) {
          spendLedger.close();
        }
      }
    }
  }

  // InFlightWork: called by HandOver, on this thread, inside poll().

  @Override
  public void drain(Collection<TopicPartition> partitions, Instant deadline) {
    while (ledgers.anyInFlight(partitions) && clock.instant().isBefore(deadline)) {
      try {
        Event event = mailbox.take(Math.max(1, Math.min(20, Duration.between(clock.instant(), deadline).toMillis())));
        if (event != null) {
          flow.handle(event);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      flow.handleEvents();
      delivery.flush(false, partitions);
    }
  }

  @Override
  public void forget(Collection<TopicPartition> partitions) {
    flow.forgetReleased();
    delivery.forget(partitions);
  }

  @Override
  public boolean stopping() {
    return stopRequested;
  }

  @Override
  public boolean closing() {
    return closing;
  }
}
