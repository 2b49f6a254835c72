package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The one gate every published record passes: a record waits while its topic is looked up, goes
 * as built when it fits, is replaced when it does not, and is given up (counted) when nothing fits.
 */
class ReplyRouterTest {

  private static final ReplyAddress HOME = ReplyAddress.defaultTopic("replies", Map.of());

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T00:00:00Z"));
  private final CountDownLatch teamTopicCreated = new CountDownLatch(1);
  private final ReplyTopics routes = new ReplyTopics(topics -> {
    if (topics.contains("replies.team")) {
      awaitQuietly(teamTopicCreated);
    }
    return Map.of(
        "replies", new ReplyTopics.TopicFacts(4, 10_000, null),
        "replies.team", new ReplyTopics.TopicFacts(2, 1_048_588, null),
        "dlq", new ReplyTopics.TopicFacts(1, 1_048_588, null),
        "replies.team.stream", ReplyTopics.TopicFacts.missing("it does not exist"));
  }, 1_048_576, "none", clock);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ReplyRecords replies = new ReplyRecords("dlq");
  private final ReplyRouter router = new ReplyRouter(routes, new Fallbacks(replies, "replies", () -> 1_048_576),
      new WorkerMetrics(registry));
  private final PartitionLedger ledger = new PartitionLedger(new TopicPartition("requests", 0), 4096);

  ReplyRouterTest() {
    routes.pin(List.of("replies", "dlq"));
  }

  @AfterEach
  void close() {
    teamTopicCreated.countDown();
    routes.close();
  }

  @Test
  void aRecordForATopicBeingLookedUpWaitsAndIsHandedOverOnceKnown() {
    PendingRequest pending = Requests.taken(ledger, 0, new ReplyAddress("replies.team", 1, Map.of()));
    Outgoing reply = reply(pending, 100);

    assertThat(router.route(pending, List.of(reply))).isEmpty();
    assertThat(router.takeResolved()).isEmpty();

    teamTopicCreated.countDown();
    Await.until("the lookup answered", Duration.ofSeconds(10),
        () -> routes.check("replies.team", 1) instanceof ReplyTopics.Check.Ok);
    List<ReplyRouter.Resolved> resolved = router.takeResolved();

    assertThat(resolved).singleElement().satisfies(entry -> {
      assertThat(entry.pending()).isSameAs(pending);
      assertThat(entry.records()).containsExactly(reply);
    });
  }

  @Test
  void aStreamedRequestWaitsForItsChunkTopicAndGoesWithoutChunksWhereTheyCannotBeWritten() {
    ReplyRouter streaming = new ReplyRouter(routes, new Fallbacks(replies, "replies", () -> 1_048_576),
        new WorkerMetrics(registry), replyTopic -> replyTopic.equals("replies") ? "replies.team" : replyTopic + ".stream");
    PendingRequest toTeam = Requests.streamed(ledger, 0, HOME);
    assertThat(streaming.routeBeforeCall(toTeam)).isEmpty(); // its chunk topic is being looked up

    teamTopicCreated.countDown();
    Await.until("the lookup answered", Duration.ofSeconds(10),
        () -> routes.check("replies.team", null) instanceof ReplyTopics.Check.Ok);
    assertThat(streaming.takeRouted()).singleElement().satisfies(routed -> assertThat(routed.why()).isNull());
    assertThat(toTeam.streamTopic).isEqualTo("replies.team");

    // replies.team.stream does not exist: the request still goes, for its final reply only.
    PendingRequest missing = Requests.streamed(ledger, 1, new ReplyAddress("replies.team", null, Map.of()));
    Await.until("the missing topic known", Duration.ofSeconds(10), () -> streaming.routeBeforeCall(missing).isPresent());
    assertThat(missing.streamTopic).isNull();
    // Not streamed: no chunk topic is looked at.
    PendingRequest whole = Requests.taken(ledger, 2, HOME);
    assertThat(streaming.routeBeforeCall(whole)).isPresent();
    assertThat(whole.streamTopic).isNull();
  }

  @Test
  void aRecordThatFitsGoesAsBuilt() {
    PendingRequest pending = Requests.taken(ledger, 0, HOME);
    Outgoing reply = reply(pending, 100);

    assertThat(router.route(pending, List.of(reply))).contains(List.of(reply));
  }

  @Test
  void aReplyOverItsTopicsLimitIsReplacedByAReplyTooLargeError() {
    PendingRequest pending = Requests.taken(ledger, 0, HOME);

    Optional<List<Outgoing>> routed = router.route(pending, List.of(reply(pending, 20_000)));

    assertThat(routed).hasValueSatisfying(records -> assertThat(records).singleElement().satisfies(record -> {
      assertThat(record.step).isEqualTo(Outgoing.Step.ERROR_ON_ROUTE);
      assertThat(Requests.header(record.record, ProtocolHeaders.ERROR_TYPE))
          .isEqualTo(ErrorType.REPLY_TOO_LARGE.wireName());
    }));
    assertThat(registry.counter("relay.worker.records.replaced", "fallback", "error_on_route").count()).isOne();
  }

  @Test
  void aRecordKafkaRefusesIsReplacedAndOneNothingCanReplaceIsGivenUpAndCounted() {
    PendingRequest pending = Requests.taken(ledger, 0, HOME);
    Outgoing reply = reply(pending, 100);

    Outgoing instead = router.insteadOf(reply, new TopicAuthorizationException("not authorized to write to replies"));
    assertThat(instead.step).isEqualTo(Outgoing.Step.DEAD_LETTER_CUT);
    assertThat(instead.record.topic()).isEqualTo("dlq");
    assertThat(Requests.header(instead.record, ProtocolHeaders.DLQ_REASON)).isEqualTo(Fallbacks.UNDELIVERABLE);

    assertThat(router.insteadOf(instead, new RecordTooLargeException("still refused"))).isNull();
    assertThat(registry.counter("relay.worker.records.skipped").count()).isOne();
  }

  private Outgoing reply(PendingRequest pending, int bytes) {
    return Outgoing.reply(pending, replies.ok(pending.requestId, pending.replyKey, pending.address, new byte[bytes], 200,
        1, null, null));
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
