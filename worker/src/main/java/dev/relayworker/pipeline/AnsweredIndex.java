package dev.relayworker.pipeline;

import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which request records the whole share group has answered, read from the answered topic
 * ({@link AnsweredRecords}) from its start, committed records only, and followed as it grows. A
 * record delivered again is looked up here before any relay call: answered, it is acknowledged as
 * it was the first time; not answered, it is taken as new.
 *
 * <p>An answer committed before a record was handed out again is known once the reader has
 * reached the end offsets it asked for after that moment ({@link #check}); until then the verdict
 * is {@link Verdict#UNKNOWN} and the record is held (its lock renewed) and asked about again. The
 * end offsets are asked for only then: otherwise the reader just follows the topic.
 * Offsets are kept as runs per request partition: records answered by many workers interleave
 * into long runs, so a day of answers costs little memory.
 *
 * <p>Threads: the {@code answered-index} thread owns the consumer; {@link #check} is called from
 * the poll thread. A read that fails is logged and tried again a second later: verdicts stay
 * {@code UNKNOWN} meanwhile.
 */
final class AnsweredIndex implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(AnsweredIndex.class);
  private static final Duration POLL = Duration.ofMillis(100);
  private static final Duration END_OFFSETS_TIMEOUT = Duration.ofSeconds(10);

  /** What is known of a record's earlier deliveries. */
  enum Verdict {
    /** Its reply was committed: accept it without a relay call. */
    ACCEPTED,
    /** It was refused as invalid and answered so: reject it again without a second error reply. */
    REJECTED,
    /** No worker answered it: take it. */
    UNANSWERED,
    /** The reader has not yet read far enough to say. */
    UNKNOWN
  }

  private final Consumer<byte[], byte[]> consumer;
  private final String topic;
  private final Clock clock;
  private final Map<TopicPartition, OffsetRanges> accepted = new HashMap<>();
  private final Map<TopicPartition, OffsetRanges> rejected = new HashMap<>();
  private final Thread thread;
  /** The time (on {@link #clock}, ms) before which every committed answer has been read; -1 until the first time. */
  private volatile long caughtUpAt = -1;
  /** The latest delivery time a verdict was asked for and could not be given: the reader must catch up past it. */
  private volatile long wanted = -1;
  private volatile boolean running = true;
  private long skipped;

  /** @param clock the worker's steady clock, the one {@link #check}'s times are read on */
  AnsweredIndex(Consumer<byte[], byte[]> consumer, String topic, Clock clock) {
    this.consumer = consumer;
    this.topic = topic;
    this.clock = clock;
    this.thread = new Thread(this::run, "answered-index");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * What is known of the record at {@code offset} of {@code partition}, handed to this worker at
   * {@code deliveredAt} (the worker's clock, ms).
   */
  Verdict check(TopicPartition partition, long offset, long deliveredAt) {
    synchronized (this) {
      if (contains(accepted, partition, offset)) {
        return Verdict.ACCEPTED;
      }
      if (contains(rejected, partition, offset)) {
        return Verdict.REJECTED;
      }
    }
    if (caughtUpAt >= deliveredAt) {
      return Verdict.UNANSWERED;
    }
    wanted = Math.max(wanted, deliveredAt);
    return Verdict.UNKNOWN;
  }

  private static boolean contains(Map<TopicPartition, OffsetRanges> runs, TopicPartition partition, long offset) {
    OffsetRanges ranges = runs.get(partition);
    return ranges != null && ranges.contains(offset);
  }

  private void run() {
    while (running) {
      try {
        if (consumer.assignment().isEmpty()) {
          assign();
          continue;
        }
        if (wanted > caughtUpAt) {
          long started = clock.millis();
          Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment(), END_OFFSETS_TIMEOUT);
          while (running && !reached(end)) {
            consumer.poll(POLL).forEach(this::apply);
          }
          caughtUpAt = started;
        }
        consumer.poll(POLL).forEach(this::apply);
      } catch (WakeupException e) {
        // close() asked the reader to stop.
      } catch (KafkaException e) {
        log.warn("the answered topic {} could not be read ({}); records delivered again wait until it can",
            topic, e.toString());
        pause();
      }
    }
    consumer.close(Duration.ofSeconds(5));
  }

  private void assign() {
    List<PartitionInfo> partitions = consumer.partitionsFor(topic, END_OFFSETS_TIMEOUT);
    if (partitions == null || partitions.isEmpty()) {
      log.warn("the answered topic {} has no partitions yet; records delivered again wait until it has", topic);
      pause();
      return;
    }
    List<TopicPartition> assigned = partitions.stream()
        .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
    consumer.assign(assigned);
    consumer.seekToBeginning(assigned);
  }

  private boolean reached(Map<TopicPartition, Long> end) {
    for (Map.Entry<TopicPartition, Long> entry : end.entrySet()) {
      if (consumer.position(entry.getKey()) < entry.getValue()) {
        return false;
      }
    }
    return true;
  }

  private void apply(ConsumerRecord<byte[], byte[]> record) {
    Optional<AnsweredRecords.Answered> answered = AnsweredRecords.parse(record.key(), record.value());
    if (answered.isEmpty()) {
      if (skipped++ == 0) {
        log.warn("the answered topic {} holds a record that is not an answered record (offset {}); skipped", topic,
            record.offset());
      }
      return;
    }
    AnsweredRecords.Answered read = answered.get();
    synchronized (this) {
      (read.outcome() == AnsweredRecords.Outcome.ACCEPT ? accepted : rejected)
          .computeIfAbsent(read.partition(), partition -> new OffsetRanges()).add(read.offset());
    }
  }

  private void pause() {
    try {
      Thread.sleep(1_000);
    } catch (InterruptedException e) {
      running = false;
    }
  }

  @Override
  public void close() {
    running = false;
    if (!thread.isAlive()) {
      consumer.close(Duration.ofSeconds(5));
      return;
    }
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
