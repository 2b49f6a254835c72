package dev.relayworker.pipeline;

import dev.relayworker.protocol.ReplyRoute;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;

/**
 * Whether a requested reply topic (and partition) can be written, learned before the reply is
 * ready: a reply to a topic that does not exist would block the sender for max.block.ms and,
 * inside a transaction, fail every other reply with it. Lookups run on one
 * {@code reply-route-check} thread; answers are cached, "missing" for {@value #MISSING_TTL_SECONDS} s.
 *
 * <p>Threads: {@link #status} from the poll thread; lookups on the checker thread.
 */
final class ReplyRoutes implements AutoCloseable {

  /** What is known of a route. */
  enum Status { OK, MISSING, UNKNOWN }

  static final long MISSING_TTL_SECONDS = 30;
  private static final int CHECKING = -2;
  private static final int MISSING = -1;

  private final String defaultTopic;
  private final Function<String, List<PartitionInfo>> lookup;
  private final Clock clock;
  private final Map<String, Entry> topics = new ConcurrentHashMap<>();
  private final ExecutorService checker = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "reply-route-check");
    thread.setDaemon(true);
    return thread;
  });

  ReplyRoutes(String defaultTopic, Function<String, List<PartitionInfo>> lookup, Clock clock) {
    this.defaultTopic = defaultTopic;
    this.lookup = lookup;
    this.clock = clock;
  }

  /** What is known of {@code route}; starts a lookup when nothing is. Never blocks. */
  Status status(ReplyRoute route) {
    if (route.topic().equals(defaultTopic)) {
      return Status.OK;
    }
    Entry entry = topics.get(route.topic());
    if (entry == null || (entry.partitions() == MISSING && clock.instant().isAfter(entry.expires()))) {
      topics.put(route.topic(), new Entry(CHECKING, Instant.MAX));
      checker.execute(() -> check(route.topic()));
      return Status.UNKNOWN;
    }
    if (entry.partitions() == CHECKING) {
      return Status.UNKNOWN;
    }
    if (entry.partitions() == MISSING || (route.partition() != null && route.partition() >= entry.partitions())) {
      return Status.MISSING;
    }
    return Status.OK;
  }

  private void check(String topic) {
    int partitions;
    try {
      List<PartitionInfo> found = lookup.apply(topic);
      partitions = found == null || found.isEmpty() ? MISSING : found.size();
    } catch (KafkaException e) {
      partitions = MISSING;
    }
    topics.put(topic, new Entry(partitions, clock.instant().plus(Duration.ofSeconds(MISSING_TTL_SECONDS))));
  }

  @Override
  public void close() {
    checker.shutdownNow();
  }

  private record Entry(int partitions, Instant expires) {}
}
