package dev.relayworker.pipeline;

import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.spend.SpendTally;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly-once delivery: finished replies wait in an outbox; every {@code commit.interval.ms} one
 * short transaction sends them and commits the consumed offsets (with the done-set metadata)
 * through {@code sendOffsetsToTransaction} with the consumer's current group metadata, and the
 * spend ledger's records for those replies' spend ({@link SpendTally}). A
 * {@code read_committed} reader sees each reply once: either the reply and its offset are both
 * committed, or neither is. No transaction is ever open across a poll or a relay call.
 *
 * <p>A failed transaction loses nothing: its records stay in the outbox and go out again in the
 * next one, so an abort costs no relay call, and the consumer never rewinds. Failures, following
 * the producer's documented recovery:
 * <ul>
 *   <li>a record Kafka refuses ({@link SendFailure#RECORD}, found by {@link TransactionAttempt})
 *       is replaced by its fallback and the transaction is tried again at once;
 *   <li>a {@code commitTransaction} or {@code abortTransaction} that times out is retried on the
 *       next turns, as the producer requires, until it answers;
 *   <li>any other failure aborts; the next attempt waits a backoff that grows to
 *       {@value #MAX_BACKOFF_MS} ms;
 *   <li>an abort that fails leaves the producer unusable: it is closed and a new one built with the
 *       same transactional ID, which fences the old one and aborts its transaction;
 *   <li>a fenced producer, or a broker too old for transactions, stops the worker
 *       ({@link FatalDeliveryException}).
 * </ul>
 *
 * <p>Poll thread only.
 */
final class TransactionalDelivery implements Delivery {

  private static final Logger log = LoggerFactory.getLogger(TransactionalDelivery.class);
  /** Transactions tried in one commit while Kafka keeps pinning refusals on records. */
  private static final int MAX_ROUNDS = 8;
  static final long MAX_BACKOFF_MS = 5_000;

  private final Supplier<Producer<byte[], byte[]>> producers;
  private final Ledgers ledgers;
  private final Consumer<byte[], byte[]> consumer;
  private final ReplyRouter router;
  private final Duration interval;
  private final Clock clock;
  private final WorkerMetrics metrics;
  private final DeliveryProgress progress;
  private final SpendTally spend;
  /** The share mode's answered records, one per reply, in its transaction; null in a consumer group. */
  private final AnsweredRecords answered;
  private final LinkedHashMap<PendingRequest, List<Outgoing>> outbox = new LinkedHashMap<>();
  private Producer<byte[], byte[]> producer;
  private boolean initialized;
  /** A transaction whose commit or abort timed out; the producer accepts nothing else until it is retried. */
  private TransactionAttempt unfinished;
  private boolean unfinishedIsCommit;
  private Instant lastCommit = Instant.EPOCH;
  private Instant retryAt = Instant.EPOCH;
  private int failures;

  /**
   * @param producers makes the transactional producer, now and whenever it must be rebuilt; each
   *     one with the same transactional ID
   */
  TransactionalDelivery(Supplier<Producer<byte[], byte[]>> producers, Ledgers ledgers,
      Consumer<byte[], byte[]> consumer, ReplyRouter router, Duration interval, Clock clock, WorkerMetrics metrics,
      DeliveryProgress progress, SpendTally spend) {
    this(producers, ledgers, consumer, router, interval, clock, metrics, progress, spend, null);
  }

  /**
   * @param consumer the consumer group's consumer, whose offsets each transaction commits; null
   *     for a share group, whose records are acknowledged one by one once their transaction committed
   * @param answered where the share mode records each request answered, in its reply's transaction;
   *     null in a consumer group
   */
  TransactionalDelivery(Supplier<Producer<byte[], byte[]>> producers, Ledgers ledgers,
      Consumer<byte[], byte[]> consumer, ReplyRouter router, Duration interval, Clock clock, WorkerMetrics metrics,
      DeliveryProgress progress, SpendTally spend, AnsweredRecords answered) {
    this.answered = answered;
    this.producers = producers;
    this.ledgers = ledgers;
    this.consumer = consumer;
    this.router = router;
    this.interval = interval;
    this.clock = clock;
    this.metrics = metrics;
    this.progress = progress;
    this.spend = spend;
    this.producer = producers.get();
    initialize();
  }

  @Override
  public void publish(PendingRequest pending, List<Outgoing> records) {
    outbox.put(pending, new ArrayList<>(records));
    spend.answered(pending.answer, pending.ledger.partition());
    progress.waiting(clock.millis());
  }

  /** Records go out inside the transaction, so sending and committing are one step here. */
  @Override
  public void flush(boolean force, Collection<TopicPartition> partitions) {
    Instant now = clock.instant();
    if (!force && (Duration.between(lastCommit, now).compareTo(interval) < 0 || now.isBefore(retryAt))) {
      return;
    }
    lastCommit = now;
    if (!finishUnfinished() || !initialize()) {
      return;
    }
    for (int round = 1; round <= MAX_ROUNDS; round++) {
      outbox.keySet().removeIf(pending -> pending.ledger.released());
      outbox.values().forEach(this::vet);
      Map<TopicPartition, OffsetAndMetadata> offsets = ledgers.uncommitted(ledgers.partitions(), doneInOutbox());
      if (outbox.isEmpty() && offsets.isEmpty()) {
        return;
      }
      if (!transact(new TransactionAttempt(new ArrayList<>(outbox.entrySet()), offsets))) {
        return;
      }
    }
  }

  /** Every record as it may be sent now: the router replaces what its topic no longer takes. */
  private void vet(List<Outgoing> records) {
    for (int i = records.size() - 1; i >= 0; i--) {
      Outgoing vetted = router.vet(records.get(i));
      if (vetted == null) {
        records.remove(i);
      } else {
        records.set(i, vetted);
      }
    }
  }

  /** The offsets the outbox answers, per partition: they are done once the transaction commits. */
  private Map<TopicPartition, Set<Long>> doneInOutbox() {
    Map<TopicPartition, Set<Long>> done = new HashMap<>();
    outbox.keySet().forEach(pending -> done.computeIfAbsent(pending.ledger.partition(), partition -> new HashSet<>())
        .add(pending.offset()));
    return done;
  }

  /** @return true when a refused record was replaced and the next round should go at once */
  private boolean transact(TransactionAttempt attempt) {
    try {
      producer.beginTransaction();
      if (!attempt.sendAll(producer)) {
        return failed(attempt, new KafkaException("a record was refused as it was sent"));
      }
      // The spend of these replies, committed with them or not at all; so is the record of each answer.
      spend.records().forEach(producer::send);
      if (answered != null) {
        attempt.entries.forEach(entry -> producer.send(answered.of(entry.getKey())));
      }
      if (!attempt.offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(attempt.offsets, consumer.groupMetadata());
      }
    } catch (KafkaException e) {
      return failed(attempt, e);
    }
    return commit(attempt);
  }

  /** Asks for the commit; a timeout leaves it to be asked again, as the producer requires. */
  private boolean commit(TransactionAttempt attempt) {
    try {
      producer.commitTransaction();
    } catch (TimeoutException e) {
      stuck(attempt, true, e);
      return false;
    } catch (KafkaException e) {
      return failed(attempt, e);
    }
    committed(attempt);
    return false;
  }

  private void committed(TransactionAttempt attempt) {
    for (Map.Entry<PendingRequest, List<Outgoing>> entry : attempt.entries) {
      PendingRequest pending = entry.getKey();
      outbox.remove(pending);
      pending.done();
    }
    ledgers.markCommitted(attempt.offsets);
    spend.written();
    failures = 0;
    retryAt = Instant.EPOCH;
    progress.progressed(clock.millis(), !outbox.isEmpty());
  }

  /** The transaction failed before its commit was asked for, or its commit failed outright: abort it. */
  private boolean failed(TransactionAttempt attempt, KafkaException failure) {
    stopIfFatal(failure);
    metrics.recordTransactionAborted();
    return abort(attempt, failure);
  }

  /** Aborts; a timeout leaves it to be asked again, a failure means the producer must be rebuilt. */
  private boolean abort(TransactionAttempt attempt, Throwable failure) {
    try {
      producer.abortTransaction();
    } catch (TimeoutException e) {
      stuck(attempt, false, e);
      return false;
    } catch (KafkaException e) {
      stopIfFatal(e);
      rebuild(e);
    }
    return aborted(attempt, failure);
  }

  /** After an abort: replace the records Kafka refused, keep the rest for the next transaction. */
  private boolean aborted(TransactionAttempt attempt, Throwable failure) {
    List<TransactionAttempt.Blame> blamed = attempt.blamed();
    attempt.records().forEach(record -> record.abortedTransactions++);
    for (TransactionAttempt.Blame blame : blamed) {
      List<Outgoing> records = outbox.get(blame.record().pending);
      if (records == null) {
        continue;
      }
      int at = indexOf(records, blame.record());
      Outgoing instead = router.insteadOf(blame.record(), blame.failure());
      if (at >= 0 && instead == null) {
        records.remove(at);
      } else if (at >= 0) {
        records.set(at, instead);
      }
    }
    if (!blamed.isEmpty()) {
      return true;
    }
    failures++;
    long backoff = Math.min(MAX_BACKOFF_MS, interval.toMillis() << Math.min(failures, 16));
    retryAt = clock.instant().plusMillis(backoff);
    int mostAborted = attempt.records().stream().mapToInt(record -> record.abortedTransactions).max().orElse(0);
    log.warn("transaction of {} replies and {} offsets failed ({} in a row; the longest-waiting reply has been in {}"
        + " aborted transactions); aborted, kept, trying again in {} ms: {}", attempt.entries.size(),
        attempt.offsets.size(), failures, mostAborted, backoff, failure.toString());
    return false;
  }

  private static int indexOf(List<Outgoing> records, Outgoing record) {
    for (int i = 0; i < records.size(); i++) {
      if (records.get(i) == record) {
        return i;
      }
    }
    return -1;
  }

  /** A commit or abort timed out: the producer insists it be called again before anything else. */
  private void stuck(TransactionAttempt attempt, boolean commit, TimeoutException e) {
    unfinished = attempt;
    unfinishedIsCommit = commit;
    failures++;
    retryAt = clock.instant().plusMillis(Math.min(MAX_BACKOFF_MS, interval.toMillis() << Math.min(failures, 16)));
    log.warn("{} of a transaction timed out ({} in a row); retrying it: {}", commit ? "commit" : "abort", failures,
        e.toString());
  }

  /** Asks again for the commit or abort that timed out. @return true when nothing is unfinished any more */
  private boolean finishUnfinished() {
    if (unfinished == null) {
      return true;
    }
    TransactionAttempt attempt = unfinished;
    unfinished = null;
    if (unfinishedIsCommit) {
      commit(attempt);
    } else {
      abort(attempt, new KafkaException("aborted after a timeout"));
    }
    return unfinished == null;
  }

  /** @return true once the current producer has its transactional ID registered */
  private boolean initialize() {
    if (initialized) {
      return true;
    }
    try {
      producer.initTransactions();
      initialized = true;
      return true;
    } catch (TimeoutException e) {
      // initTransactions may be called again after a timeout; the next commit will.
      failures++;
      retryAt = clock.instant().plusMillis(MAX_BACKOFF_MS);
      log.warn("initTransactions timed out; trying again in {} ms: {}", MAX_BACKOFF_MS, e.toString());
      return false;
    } catch (KafkaException e) {
      stopIfFatal(e);
      throw new FatalDeliveryException("the transactional producer cannot start: " + e, e);
    }
  }

  private void rebuild(KafkaException cause) {
    log.warn("the transactional producer is unusable ({}); closing it and starting a new one", cause.toString());
    try {
      producer.close(Duration.ZERO);
    } catch (KafkaException e) {
      log.debug("closing the old producer: {}", e.toString());
    }
    producer = producers.get();
    initialized = false;
    initialize();
  }

  private static void stopIfFatal(KafkaException e) {
    if (SendFailure.of(e) == SendFailure.FATAL) {
      throw new FatalDeliveryException("the transactional producer can no longer commit: " + e, e);
    }
  }

  @Override
  public void forget(Collection<TopicPartition> partitions) {
    outbox.keySet().removeIf(pending -> pending.ledger.released());
    spend.forget(partitions);
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(10));
  }
}
