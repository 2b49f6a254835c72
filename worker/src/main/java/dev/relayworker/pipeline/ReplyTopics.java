package dev.relayworker.pipeline;

import dev.relayworker.protocol.RecordSize;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is known of the topics replies and dead-letter copies go to: whether a topic exists, its
 * partition count, and the largest record it takes (the smaller of the producer's
 * {@code max.request.size} and the topic's {@code max.message.bytes}, allowing for compression
 * that does not compress). Every record the worker publishes is checked against it before it is
 * sent ({@link ReplyRouter}).
 *
 * <p>Lookups go through the Admin client, which never creates a topic (a producer's metadata
 * request would, on a broker with {@code auto.create.topics.enable}), and run on one
 * {@code reply-topic-check} thread, many topics per request. A topic never seen before is
 * {@link Check.Pending} until its lookup answers, for at most {@link #LOOKUP_TIMEOUT}; then it is
 * unusable. Known topics are refreshed every {@link #REFRESH}, missing ones re-checked after
 * {@link #MISSING_TTL}, and a refresh that fails keeps what was known. At most {@link #MAX_TOPICS}
 * requested topics are remembered (least recently used dropped); the worker's own topics always.
 *
 * <p>Threads: {@link #check} and {@link #refresh} from the poll thread, never blocking; lookups
 * on the checker thread.
 */
final class ReplyTopics implements AutoCloseable {

  /** What {@link #check} knows of a destination. */
  sealed interface Check {
    /** Writable; a record of at most {@code maxRecordBytes} ({@link RecordSize}) fits. */
    record Ok(int maxRecordBytes, String limitSource) implements Check {}

    /** Cannot be written: missing topic or partition, not allowed, no answer in time. */
    record Unusable(String why) implements Check {}

    /** Being looked up; ask again next turn. */
    record Pending() implements Check {}
  }

  /** The facts one lookup found for one topic: a partition count and max.message.bytes, or why there are none. */
  record TopicFacts(int partitions, int maxMessageBytes, String missing) {
    static TopicFacts missing(String why) {
      return new TopicFacts(0, 0, why);
    }
  }

  /** Looks up several topics at once; blocks; answers null for a topic it could not learn about this time. */
  interface Lookup {
    Map<String, TopicFacts> describe(Collection<String> topics);
  }

  static final int MAX_TOPICS = 1_000;
  static final Duration LOOKUP_TIMEOUT = Duration.ofSeconds(15);
  static final Duration REFRESH = Duration.ofMinutes(5);
  static final Duration MISSING_TTL = Duration.ofSeconds(30);
  private static final Logger log = LoggerFactory.getLogger(ReplyTopics.class);
  private static final Check PENDING = new Check.Pending();

  private final Lookup lookup;
  private final int producerMaxBytes;
  private final String compression;
  private final Clock clock;
  private final Map<String, Entry> pinned = new ConcurrentHashMap<>();
  private final Map<String, Entry> requested;
  private final LinkedBlockingQueue<String> queued = new LinkedBlockingQueue<>();
  private final ExecutorService checker = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "reply-topic-check");
    thread.setDaemon(true);
    return thread;
  });

  /**
   * @param producerMaxBytes the producer's max.request.size (or buffer.memory when smaller)
   * @param compression the producer's compression.type
   */
  ReplyTopics(Lookup lookup, int producerMaxBytes, String compression, Clock clock) {
    this.lookup = lookup;
    this.producerMaxBytes = producerMaxBytes;
    this.compression = compression;
    this.clock = clock;
    this.requested = java.util.Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > MAX_TOPICS;
      }
    });
    checker.execute(this::lookUpQueued);
  }

  /**
   * Looks up the worker's own topics before the first record goes out; they are never forgotten.
   * Blocks, asking again for up to {@link #LOOKUP_TIMEOUT} (a topic created a moment ago may not be
   * described yet). Fails when one of them is still missing: the worker cannot start without them.
   */
  void pin(Collection<String> topics) {
    long deadline = System.nanoTime() + LOOKUP_TIMEOUT.toNanos();
    List<String> left = new ArrayList<>(topics);
    String why = "no answer from Kafka";
    while (!left.isEmpty()) {
      Map<String, TopicFacts> found = describe(left);
      for (String topic : List.copyOf(left)) {
        TopicFacts facts = found.get(topic);
        if (facts != null && facts.missing() == null) {
          pinned.put(topic, Entry.known(facts, clock.instant()));
          left.remove(topic);
        } else if (facts != null) {
          why = facts.missing();
        }
      }
      if (!left.isEmpty() && System.nanoTime() > deadline) {
        throw new IllegalStateException("cannot look up topics " + left + ": " + why);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(left.isEmpty() ? 0 : 200));
    }
  }

  /** Where a record to {@code topic} (and {@code partition}, or null) stands now. Never blocks. */
  Check check(String topic, Integer partition) {
    Instant now = clock.instant();
    Entry entry = pinned.containsKey(topic) ? pinned.get(topic) : requested.get(topic);
    if (entry == null) {
      requested.put(topic, Entry.lookingUp(now));
      queued.add(topic);
      return PENDING;
    }
    if (entry.facts == null) {
      return Duration.between(entry.since, now).compareTo(LOOKUP_TIMEOUT) < 0 ? PENDING
          : new Check.Unusable("Kafka did not describe topic '" + topic + "' within " + LOOKUP_TIMEOUT.toSeconds() + " s");
    }
    if (!entry.refreshing && !now.isBefore(entry.refreshAt)) {
      entry.refreshing = true;
      queued.add(topic);
    }
    TopicFacts facts = entry.facts;
    if (facts.missing() != null) {
      return new Check.Unusable(facts.missing());
    }
    if (partition != null && partition >= facts.partitions()) {
      return new Check.Unusable("topic '" + topic + "' has " + facts.partitions() + " partitions; partition "
          + partition + " does not exist");
    }
    int fromTopic = RecordSize.largestFitting(facts.maxMessageBytes(), compression);
    return fromTopic < producerMaxBytes
        ? new Check.Ok(fromTopic, "max.message.bytes " + facts.maxMessageBytes() + " of topic '" + topic + "'")
        : new Check.Ok(producerMaxBytes, "the producer's max.request.size");
  }

  /** The largest record {@code topic} takes as far as is known now; the producer's limit when unknown. */
  int maxRecordBytes(String topic) {
    return check(topic, null) instanceof Check.Ok ok ? ok.maxRecordBytes() : producerMaxBytes;
  }

  /** A send to {@code topic} failed: look it up again soon, answering with what was known until then. */
  void refresh(String topic) {
    Entry entry = pinned.containsKey(topic) ? pinned.get(topic) : requested.get(topic);
    if (entry != null && entry.facts != null && !entry.refreshing) {
      entry.refreshing = true;
      queued.add(topic);
    }
  }

  private void lookUpQueued() {
    try {
      while (!Thread.currentThread().isInterrupted()) {
        List<String> batch = new ArrayList<>();
        batch.add(queued.take());
        queued.drainTo(batch, 99);
        List<String> topics = batch.stream().distinct().toList();
        Map<String, TopicFacts> found = describe(topics);
        Instant now = clock.instant();
        for (String topic : topics) {
          boolean isPinned = pinned.containsKey(topic);
          Entry old = isPinned ? pinned.get(topic) : requested.get(topic);
          Entry next = next(old, found.get(topic), now, isPinned);
          if (isPinned) {
            pinned.put(topic, next);
          } else if (old != null) {
            requested.put(topic, next);
          }
        }
        // Avoids hammering the cluster when every lookup fails.
        TimeUnit.MILLISECONDS.sleep(found.isEmpty() ? 500 : 0);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private Map<String, TopicFacts> describe(List<String> topics) {
    try {
      return lookup.describe(topics);
    } catch (RuntimeException e) {
      log.warn("could not look up reply topics {}: {}", topics, e.toString());
      return Map.of();
    }
  }

  /** A failed lookup keeps what was known; a pinned topic that vanished is reported, never forgotten. */
  private static Entry next(Entry old, TopicFacts found, Instant now, boolean isPinned) {
    if (found == null) {
      if (old != null && old.facts != null) {
        return Entry.known(old.facts, now, MISSING_TTL);
      }
      return old == null ? Entry.lookingUp(now) : old;
    }
    if (found.missing() != null && isPinned) {
      log.error("the worker's own topic is unusable: {}; records for it are cut or skipped until it is back",
          found.missing());
    }
    return found.missing() == null ? Entry.known(found, now) : Entry.known(found, now, MISSING_TTL);
  }

  @Override
  public void close() {
    checker.shutdownNow();
  }

  /** What is known of one topic. Written by the checker thread, read by the poll thread. */
  private static final class Entry {
    final TopicFacts facts;
    final Instant since;
    final Instant refreshAt;
    volatile boolean refreshing;

    private Entry(TopicFacts facts, Instant since, Instant refreshAt) {
      this.facts = facts;
      this.since = since;
      this.refreshAt = refreshAt;
    }

    static Entry lookingUp(Instant now) {
      return new Entry(null, now, Instant.MAX);
    }

    static Entry known(TopicFacts facts, Instant now) {
      return known(facts, now, REFRESH);
    }

    static Entry known(TopicFacts facts, Instant now, Duration ttl) {
      return new Entry(facts, now, now.plus(ttl));
    }
  }
}
