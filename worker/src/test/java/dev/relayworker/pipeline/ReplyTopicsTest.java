package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.protocol.RecordSize;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the worker knows of the topics it writes to, from a scripted lookup and a clock the test
 * moves: unknown topics are looked up off the poll thread, limits come from the smaller of the
 * producer's and the topic's, and a topic nobody describes in time is unusable.
 */
class ReplyTopicsTest {

  private static final int PRODUCER_MAX = 1_048_576;

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final Map<String, ReplyTopics.TopicFacts> cluster = new ConcurrentHashMap<>();
  private final Map<String, Integer> lookups = new ConcurrentHashMap<>();
  private final ReplyTopics routes = new ReplyTopics(this::describe, PRODUCER_MAX, "none", clock);

  @AfterEach
  void close() {
    routes.close();
  }

  @Test
  void anUnknownTopicIsPendingUntilLookedUpThenLimitedByTheSmallerLimit() {
    cluster.put("replies.big", new ReplyTopics.TopicFacts(4, 8_000_000, null));
    cluster.put("replies.small", new ReplyTopics.TopicFacts(4, 10_000, null));

    assertThat(routes.check("replies.big", null)).isInstanceOf(ReplyTopics.Check.Pending.class);
    ReplyTopics.Check big = awaitKnown("replies.big", null);
    ReplyTopics.Check small = awaitKnown("replies.small", 3);

    assertThat(big).isEqualTo(new ReplyTopics.Check.Ok(PRODUCER_MAX, "the producer's max.request.size"));
    assertThat(small).isInstanceOfSatisfying(ReplyTopics.Check.Ok.class, ok -> {
      assertThat(ok.maxRecordBytes()).isEqualTo(RecordSize.largestFitting(10_000, "none"));
      assertThat(ok.limitSource()).contains("max.message.bytes 10000 of topic 'replies.small'");
    });
  }

  @Test
  void aMissingTopicOrPartitionIsUnusableSayingWhy() {
    cluster.put("replies.gone", ReplyTopics.TopicFacts.missing("topic 'replies.gone' does not exist"));
    cluster.put("replies.two", new ReplyTopics.TopicFacts(2, 1_048_588, null));

    assertThat(awaitKnown("replies.gone", null)).isEqualTo(
        new ReplyTopics.Check.Unusable("topic 'replies.gone' does not exist"));
    assertThat(awaitKnown("replies.two", 2)).isEqualTo(new ReplyTopics.Check.Unusable(
        "topic 'replies.two' has 2 partitions; partition 2 does not exist"));
  }

  @Test
  void aTopicNobodyDescribesInTimeIsUnusable() {
    routes.check("replies.silent", null);
    Await.until("the lookup was asked", Duration.ofSeconds(10), () -> lookups.containsKey("replies.silent"));

    assertThat(routes.check("replies.silent", null)).isInstanceOf(ReplyTopics.Check.Pending.class);
    clock.advance(ReplyTopics.LOOKUP_TIMEOUT);
    assertThat(routes.check("replies.silent", null)).isInstanceOfSatisfying(ReplyTopics.Check.Unusable.class,
        unusable -> assertThat(unusable.why()).contains("did not describe topic 'replies.silent' within 15 s"));
  }

  @Test
  void aKnownTopicIsLookedUpAgainAfterTheRefreshIntervalKeepingWhatWasKnownMeanwhile() {
    cluster.put("replies.team", new ReplyTopics.TopicFacts(4, 1_048_588, null));
    awaitKnown("replies.team", null);

    cluster.put("replies.team", new ReplyTopics.TopicFacts(1, 1_048_588, null));
    clock.advance(ReplyTopics.REFRESH);
    assertThat(routes.check("replies.team", 3)).as("what was known until the lookup answers")
        .isInstanceOf(ReplyTopics.Check.Ok.class);

    Await.until("the refresh saw one partition", Duration.ofSeconds(10),
        () -> routes.check("replies.team", 3) instanceof ReplyTopics.Check.Unusable);
    assertThat(lookups.get("replies.team")).isEqualTo(2);
  }

  @Test
  void theWorkersOwnTopicsArePinnedBeforeTheFirstRecord() {
    cluster.put("replies", new ReplyTopics.TopicFacts(4, 1_048_588, null));
    cluster.put("dlq", new ReplyTopics.TopicFacts(1, 1_048_588, null));

    routes.pin(List.of("replies", "dlq"));

    assertThat(routes.check("replies", 3)).isInstanceOf(ReplyTopics.Check.Ok.class);
    assertThat(routes.maxRecordBytes("dlq")).isEqualTo(PRODUCER_MAX);
  }

  private ReplyTopics.Check awaitKnown(String topic, Integer partition) {
    Await.until(topic + " looked up", Duration.ofSeconds(10),
        () -> !(routes.check(topic, partition) instanceof ReplyTopics.Check.Pending));
    return routes.check(topic, partition);
  }

  /** The scripted cluster: answers for the topics it has, and nothing for the others (no answer in time). */
  private Map<String, ReplyTopics.TopicFacts> describe(Collection<String> topics) {
    Map<String, ReplyTopics.TopicFacts> found = new HashMap<>();
    for (String topic : topics) {
      lookups.merge(topic, 1, Integer::sum);
      if (cluster.containsKey(topic)) {
        found.put(topic, cluster.get(topic));
      }
    }
    return found;
  }
}
