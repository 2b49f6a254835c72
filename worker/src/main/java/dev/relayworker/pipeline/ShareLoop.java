package dev.relayworker.pipeline;

import dev.relayworker.metrics.LoopStatus;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.pipeline.HeldRecords.Held;
import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ReplyError;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.resilience.RelayCalls;
import dev.relayworker.spend.SpendLedger;
import dev.relayworker.streaming.ChunkPublisher;
import dev.relayworker.tracing.Tracing;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop of {@code consumer.mode=share}: the one thread that owns a share-group member
 * ({@link ShareConsumer}, KIP-932, explicit acknowledgement). Records of every partition come to
 * every worker; each goes the same {@link RequestFlow} as in a consumer group, and its reply is
 * written by a {@link TransactionalDelivery} together with an answered record
 * ({@link AnsweredRecords}) but no offsets.
 *
 * <p>Every record a poll returns must be acknowledged before the next poll, and each is, at once:
 * <ul>
 *   <li>ACCEPT once its reply's transaction committed (REJECT for a record refused as invalid,
 *       whose error reply and dead-letter copy were committed);
 *   <li>RENEW while it is at the relay, waiting for it, parked or its transaction is pending: the
 *       broker extends its lock and hands it back on a later poll, when it is decided again;
 *   <li>RELEASE when the worker stops. Never for want of room: a released record goes straight to
 *       another member with its delivery count raised, and among busy members it would soon be
 *       archived unanswered. The broker hands a member no more than {@code max.poll.records}
 *       records at a time, which bounds what it holds instead.
 * </ul>
 * A record delivered before (delivery count above 1) is first looked up in the
 * {@link AnsweredIndex}: answered, it is acknowledged as it was, without a relay call.
 *
 * <p>Polls: see {@link #turn}. The share consumer holds at most {@code max.poll.records} records
 * (twice {@code worker.max.in.flight}: answered records count until they are accepted), renewed
 * ones included; a poll made while the worker is full may still bring new records, which are taken.
 *
 * <p>Stopping: no new records are taken; requests in flight get up to {@code shutdown.timeout.ms};
 * those on their last allowed delivery still unfinished are answered {@code deliveries_exhausted};
 * replies are committed, answered records accepted, and the rest released for other workers.
 *
 * <p>Threads: {@link #run} on the poll thread; {@link #stop} from any thread. Tests drive the loop
 * a turn at a time with {@link #open}, {@link #turn} and {@link #finishAndClose} on their own thread.
 */
final class ShareLoop implements RequestLoop {

  private static final Logger log = LoggerFactory.getLogger(ShareLoop.class);
  private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
  private static final Duration RENEWAL_POLL_TIMEOUT = Duration.ofMillis(20);
  /** Long enough for the renewed records of the last poll to come back on loopback or a LAN. */
  private static final Duration HELD_POLL_TIMEOUT = Duration.ofMillis(10);
  static final long TAKING_POLL_INTERVAL_MS = 20;
  /** Renewals a second the spacing of polls aims at while the worker takes more. */
  static final int RENEWALS_PER_SECOND = 5_000;
  private static final long IDLE_POLL_INTERVAL_MS = 30_000;
  private static final int DEFAULT_LOCK_MS = 30_000;
  /** How long a record delivered again may wait for the answered topic to be read before it is taken as new. */
  static final long INDEX_WAIT_MS = 60_000;
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(3);
  private static final Duration NEVER_MOVED = Duration.ofDays(365_000);
  /** The metric's type label of each acknowledgement, made once: one is counted per record per poll. */
  private static final Map<AcknowledgeType, String> ACKNOWLEDGEMENT_NAMES = new EnumMap<>(Map.of(
      AcknowledgeType.ACCEPT, "accept", AcknowledgeType.RELEASE, "release", AcknowledgeType.REJECT, "reject",
      AcknowledgeType.RENEW, "renew"));

  private final ShareConsumer<byte[], byte[]> consumer;
  private final RelayCalls relay;
  private final WorkerSettings settings;
  private final Clock clock;
  private final Mailbox mailbox;
  private final Ledgers ledgers = Ledgers.withoutOffsets();
  private final Delivery delivery;
  private final RequestFlow flow;
  private final AnsweredIndex index;
  private final WorkerMetrics metrics;
  private final SpendLedger spendLedger;
  private final int deliveryLimit;
  private final ShareGroupWatch watch;
  private final HeldRecords held = new HeldRecords();
  private volatile boolean stopRequested;
  private boolean joined;
  private boolean full;
  private long lastPoll;
  private long lastReport;
  private double shareApplied = -1;

  /**
   * @param delivery builds the transactional delivery (no consumer offsets; answered records in each transaction)
   * @param index the answered records, read on its own thread (started by the caller, closed with the loop)
   * @param deliveryLimit the share group's {@code share.delivery.count.limit}: a record delivered this
   *     often is not delivered again
   * @param watch the group's member count (for the key's limits) and lag, as last looked up
   * @param spendLedger read at start, closed with the loop; null when no spend cap is set
   */
  ShareLoop(ShareConsumer<byte[], byte[]> consumer, RelayCalls relay, RequestParser parser, ReplyRecords replies,
      ReplyRouter router, WorkerSettings settings, Clock clock, Clock wall, PollLoop.DeliveryFactory delivery,
      AnsweredIndex index, int deliveryLimit, ShareGroupWatch watch, WorkerMetrics metrics, SpendLedger spendLedger,
      ChunkPublisher chunks, Tracing tracing) {
    this.consumer = consumer;
    this.relay = relay;
    // A parked request holds its own record's lock, renewed, and no partition: it waits until its
    // deadline rather than being moved to the retry topic after request.park.max.ms.
    this.settings = settings.withParkMax(NEVER_MOVED);
    this.clock = clock;
    this.index = index;
    this.deliveryLimit = deliveryLimit;
    this.watch = watch;
    this.metrics = metrics;
    this.spendLedger = spendLedger;
    this.mailbox = new Mailbox(consumer::wakeup);
    this.delivery = delivery.create(mailbox, ledgers);
    this.flow = new RequestFlow(relay, parser, replies, router, this.settings, clock, wall, mailbox, this.delivery,
        metrics, chunks, tracing);
    metrics.bindShareRecordsHeld(held::count);
  }

  @Override
  public void run() {
    open();
    try {
      while (!stopRequested) {
        turn();
      }
      finish();
    } finally {
      close();
    }
  }

  @Override
  public void stop() {
    stopRequested = true;
    consumer.wakeup();
  }

  /** Joins the share group on the request topic. */
  void open() {
    applyLimitShare();
    consumer.setAcknowledgementCommitCallback(this::acknowledgementsCommitted);
    // Not the retry topic: the share assignor balances partitions, not records, so a one-partition request
    // topic beside a retry topic would leave some members only the retry topic. Nor is it needed: a parked
    // record holds its own lock and no partition, so nothing is ever moved there (see the constructor).
    consumer.subscribe(List.of(settings.requestTopic()));
  }

  /**
   * One turn: what came back, what is due to commit, then a poll if one is due. A poll hands back
   * every record renewed at the last one, and each must be decided again (and renewed again, a
   * request to the broker) before the next, so while records are held polls are spaced: while the
   * worker takes more, {@value #TAKING_POLL_INTERVAL_MS} ms apart with few held and further apart
   * with many, so that renewals stay near {@value #RENEWALS_PER_SECOND} a second (a new request
   * waits at most that long in Kafka); when it is full, every {@code commit.interval.ms}
   * (accepting what the last transaction committed).
   */
  void turn() {
    flow.handleEvents();
    delivery.flush(false, ledgers.partitions());
    boolean wanted = wantsMore();
    long wait = nextPollIn(wanted);
    if (wait == 0) {
      decide(poll(!held.isEmpty() ? HELD_POLL_TIMEOUT : mailbox.isEmpty() ? POLL_TIMEOUT : Duration.ZERO), true);
    } else {
      awaitEvent(Math.min(POLL_TIMEOUT.toMillis(), wait));
    }
    report();
  }

  /** Milliseconds until the next poll is due (0: now). */
  private long nextPollIn(boolean wanted) {
    long interval;
    if (!held.isEmpty()) {
      long spaced = Math.max(TAKING_POLL_INTERVAL_MS, held.size() * 1_000L / RENEWALS_PER_SECOND);
      interval = wanted ? Math.min(spaced, settings.commitInterval().toMillis()) : settings.commitInterval().toMillis();
    } else if (wanted || !joined) {
      return 0;
    } else {
      // Nothing held and no room (the relay is down): poll only to stay a member.
      interval = IDLE_POLL_INTERVAL_MS;
    }
    return Math.max(0, lastPoll + interval - clock.millis());
  }

  /**
   * Whether intake has room: below the in-flight caps (with the consumer group's hysteresis), the
   * relay taking requests, the worker not stopping.
   */
  private boolean wantsMore() {
    IntakeLimits intake = settings.intake();
    int unanswered = ledgers.unanswered();
    full = unanswered >= intake.maxInFlight() || (full && unanswered >= intake.resumeBelow())
        || intake.bytesFull(ledgers.heldBytes(), full);
    return !stopRequested && !full && relay.availability().takesNewRequests(flow.outcomes().parkedCount() > 0);
  }

  /** Whether the locks held need renewing now (while stopping, when nothing else polls). */
  private boolean renewalDue() {
    return !held.isEmpty() && renewalWait() == 0;
  }

  private long renewalWait() {
    long interval = Math.min(settings.commitInterval().toMillis(),
        consumer.acquisitionLockTimeoutMs().orElse(DEFAULT_LOCK_MS) / 4L);
    return Math.max(0, lastPoll + interval - clock.millis());
  }

  private ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
    lastPoll = clock.millis();
    mailbox.pollerWaiting(true);
    try {
      ConsumerRecords<byte[], byte[]> records = consumer.poll(timeout);
      joined = true;
      return records;
    } catch (WakeupException e) {
      return ConsumerRecords.empty();
    } finally {
      mailbox.pollerWaiting(false);
    }
  }

  private void awaitEvent(long millis) {
    try {
      Mailbox.Event event = mailbox.take(Math.max(1, millis));
      if (event != null) {
        flow.handle(event);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopRequested = true;
    }
  }

  /**
   * Acknowledges every record the poll returned: decided again if held, looked up if delivered
   * before, taken if new and {@code taking}, released otherwise.
   */
  private void decide(ConsumerRecords<byte[], byte[]> records, boolean taking) {
    long now = clock.millis();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      Held holding = held.get(record);
      if (holding == null) {
        holding = held.hold(record, now);
        if (holding.deliveries > 1) {
          metrics.shareRedelivered();
        }
      }
      holding.lost = false;
      AcknowledgeType type = decide(record, holding, taking && !stopRequested, now);
      acknowledge(record, type);
      if (type != AcknowledgeType.RENEW) {
        held.release(record);
      }
    }
    if (!records.isEmpty()) {
      // Sent now, not with the next fetch, which the broker may hold back waiting for new records:
      // renewed records come back, and accepted ones free their place, without that wait.
      consumer.commitAsync();
    }
    held.counted();
  }

  private AcknowledgeType decide(ConsumerRecord<byte[], byte[]> record, Held holding, boolean taking, long now) {
    if (holding.pending != null) {
      return holding.unfinished() ? AcknowledgeType.RENEW : holding.finalAcknowledgement();
    }
    if (holding.deliveries > 1) {
      AnsweredIndex.Verdict verdict = index.check(holding.partition, holding.offset, holding.deliveredAt);
      if (verdict == AnsweredIndex.Verdict.UNKNOWN && now - holding.deliveredAt < INDEX_WAIT_MS) {
        return AcknowledgeType.RENEW;
      }
      switch (verdict) {
        case ACCEPTED -> {
          metrics.shareAnsweredAgain();
          log.info("{} offset {} was delivered again (delivery {}) after its reply was committed: accepted without"
              + " a relay call", holding.partition, holding.offset, holding.deliveries);
          return AcknowledgeType.ACCEPT;
        }
        case REJECTED -> {
          return AcknowledgeType.REJECT;
        }
        case UNKNOWN -> log.warn("{} offset {} was delivered again and the answered topic was not read within {} ms;"
            + " taken as unanswered", holding.partition, holding.offset, INDEX_WAIT_MS);
        default -> { }
      }
    }
    if (!taking) {
      return AcknowledgeType.RELEASE;
    }
    PartitionLedger ledger = ledgers.getOrOpen(holding.partition);
    ledger.take(holding.offset, RequestBytes.held(record));
    holding.pending = flow.take(record, ledger);
    return AcknowledgeType.RENEW;
  }

  private void acknowledge(ConsumerRecord<byte[], byte[]> record, AcknowledgeType type) {
    consumer.acknowledge(record, type);
    metrics.shareAcknowledged(ACKNOWLEDGEMENT_NAMES.get(type));
  }

  /**
   * The broker's answer to acknowledgements sent: a failure means the records' locks ran out
   * (they may go to another worker). They stay held, marked lost, until they come back or their
   * requests are done. Called on the poll thread, inside poll or commit.
   */
  private void acknowledgementsCommitted(Map<TopicIdPartition, Set<Long>> offsets, Exception failure) {
    if (failure == null) {
      return;
    }
    int lost = held.lost(offsets);
    if (lost > 0) {
      metrics.shareLocksLost(lost);
      log.warn("the broker refused acknowledgements of {} records ({}); another worker may be handed them", lost,
          failure.toString());
    }
  }

  private void report() {
    long now = clock.millis();
    metrics.polled(now);
    if (now - lastReport >= 250) {
      lastReport = now;
      applyLimitShare();
      held.forgetLost();
      // The lag is the share group's, from the broker: records of each partition not yet acknowledged.
      // No partition is ever paused in a share group: it stops asking instead.
      metrics.publish(new LoopStatus(joined, Set.of(), 0, ledgers.unanswered(), flow.outcomes().parkedCount(),
          watch.lag(), Map.of(), StatusReporter.pacingWaitNanos(relay)));
    }
  }

  /**
   * The key's limits and spend caps: this worker's part is {@code relay.limit.share} when set,
   * else one over the group's members, applied at start (all of them, until the group is known)
   * and whenever the count changes; under a spend cap, of what the ledger leaves.
   */
  private void applyLimitShare() {
    int members = watch.members();
    double share = settings.limitShare() > 0 ? settings.limitShare() : 1.0 / Math.max(1, members);
    if (share == shareApplied) {
      return;
    }
    shareApplied = share;
    if (spendLedger != null) {
      spendLedger.catchUp(LimitShare.LEDGER_READ_TIMEOUT);
      relay.rebase(share, spendLedger);
    } else {
      relay.share(share);
    }
    log.info("applying {} of the key's limits and budgets ({})", String.format(Locale.ROOT, "%.3f", share),
        settings.limitShare() > 0 ? "set by relay.limit.share" : members + " members in the share group");
  }

  /** After {@link #stop}: {@link #finish}, then closes the clients. Tests call it after driving {@link #turn}. */
  void finishAndClose() {
    try {
      finish();
    } finally {
      close();
    }
  }

  /** Finishes what is in flight, answers last deliveries it cannot finish, commits, accepts, releases the rest. */
  private void finish() {
    long deadline = clock.millis() + settings.shutdownTimeout().toMillis();
    while (ledgers.inFlight() > 0 && clock.millis() < deadline) {
      flow.handleEvents();
      delivery.flush(false, ledgers.partitions());
      if (renewalDue()) {
        decide(poll(RENEWAL_POLL_TIMEOUT), false);
      } else {
        awaitEvent(Math.min(20, renewalWait()));
      }
      report();
    }
    List<PendingRequest> lastDeliveries = held.unfinishedFrom(deliveryLimit);
    for (PendingRequest pending : lastDeliveries) {
      flow.outcomes().giveUp(pending, new ReplyError(ErrorType.DELIVERIES_EXHAUSTED, "the worker stopped before it"
          + " could answer the request on the last of the " + deliveryLimit + " deliveries its share group allows;"
          + " no further delivery would come", null, null));
    }
    flow.handleEvents();
    delivery.flush(true, ledgers.partitions());
    settle();
    int unfinished = ledgers.inFlight();
    if (unfinished > 0 || !lastDeliveries.isEmpty()) {
      log.warn("stopping with {} requests unfinished after {} (released for other workers); {} on their last delivery"
          + " answered {}", unfinished, settings.shutdownTimeout(), lastDeliveries.size(),
          ErrorType.DELIVERIES_EXHAUSTED.wireName());
    }
  }

  /**
   * Polls briefly for the held records that are done, so that they are accepted now rather than
   * handed out again after the stop (where the answered index would accept them); new records and
   * unfinished ones are released.
   */
  private void settle() {
    long deadline = clock.millis() + SETTLE_TIMEOUT.toMillis();
    while (held.anyAnswered() && clock.millis() < deadline) {
      for (ConsumerRecord<byte[], byte[]> record : poll(Duration.ofMillis(100))) {
        Held holding = held.release(record);
        acknowledge(record, holding != null && holding.answered() ? holding.finalAcknowledgement()
            : AcknowledgeType.RELEASE);
      }
    }
    try {
      consumer.commitSync(Duration.ofSeconds(5));
    } catch (KafkaException e) {
      log.warn("the last acknowledgements could not be committed ({}); their records will be delivered again and"
          + " found answered", e.toString());
    }
  }

  private void close() {
    try {
      consumer.close();
    } finally {
      try {
        delivery.close();
      } finally {
        index.close();
        if (spendLedger != null) {
          spendLedger.close();
        }
      }
    }
  }

}
