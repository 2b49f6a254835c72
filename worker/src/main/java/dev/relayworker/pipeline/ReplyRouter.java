package dev.relayworker.pipeline;

import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.protocol.RecordSize;
import dev.relayworker.protocol.TopicNames;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one gate every published record passes: its topic and partition are checked against what
 * {@link ReplyTopics} knows and its size against the topic's limit before it is handed to the
 * {@link Delivery}, and a record that fails either, or that the delivery reports refused by
 * Kafka, is replaced by its next {@link Fallbacks} step. A record nothing can replace is skipped
 * with an ERROR line and a count, and its request counts as done: the partition always moves on.
 *
 * <p>A request's records are handed over together, once every one of their topics is known, so
 * that an exactly-once delivery commits its offset with all of them. A request's reply route is
 * known before its relay call ({@link #routeBeforeCall}), so no call is paid for an answer that could
 * not reach its requester.
 *
 * <p>Confined to the poll thread; not thread-safe.
 */
final class ReplyRouter {

  private static final Logger log = LoggerFactory.getLogger(ReplyRouter.class);

  /** A request's records, ready for the delivery. */
  record Resolved(PendingRequest pending, List<Outgoing> records) {}

  private final ReplyTopics topics;
  private final Fallbacks fallbacks;
  private final WorkerMetrics metrics;
  private final List<Resolved> awaitingLookup = new ArrayList<>();
  private final List<PendingRequest> awaitingRoute = new ArrayList<>();

  private final UnaryOperator<String> streamTopicOf;

  /** A router for a worker that writes no chunk records: streamed requests get their final reply only. */
  ReplyRouter(ReplyTopics topics, Fallbacks fallbacks, WorkerMetrics metrics) {
    this(topics, fallbacks, metrics, null);
  }

  /** @param streamTopicOf the topic chunk records go to for a given reply topic ({@code stream.topic}) */
  ReplyRouter(ReplyTopics topics, Fallbacks fallbacks, WorkerMetrics metrics, UnaryOperator<String> streamTopicOf) {
    this.topics = topics;
    this.fallbacks = fallbacks;
    this.metrics = metrics;
    this.streamTopicOf = streamTopicOf;
  }

  /** A request whose reply route is known: writable ({@code why} null) or not, and why. */
  record Routed(PendingRequest pending, String why) {}

  /**
   * Whether {@code pending}'s reply can go where it asks, known before anything is paid for it:
   * empty while its topic is being looked up (it is then kept, and comes back from
   * {@link #takeRouted} once known); otherwise the answer, with why not when it cannot.
   */
  Optional<Routed> routeBeforeCall(PendingRequest pending) {
    ReplyTopics.Check check = topics.check(pending.address.topic(), pending.address.partition());
    ReplyTopics.Check chunks = streamCheck(pending);
    if (check instanceof ReplyTopics.Check.Pending || chunks instanceof ReplyTopics.Check.Pending) {
      awaitingRoute.add(pending);
      return Optional.empty();
    }
    if (chunks instanceof ReplyTopics.Check.Unusable unusable) {
      pending.streamTopic = null;
      log.atWarn().addKeyValue("requestId", pending.logId)
          .log("request {}: its stream's chunks cannot be written ({}); it gets its final reply only", pending.logId,
              unusable.why());
    }
    return Optional.of(new Routed(pending, check instanceof ReplyTopics.Check.Unusable unusable ? unusable.why() : null));
  }

  /** For a streamed request, whether its chunks' topic can be written (naming it on the request); else null. */
  private ReplyTopics.Check streamCheck(PendingRequest pending) {
    if (streamTopicOf == null || pending.request == null || !pending.request.stream()) {
      return null;
    }
    String topic = streamTopicOf.apply(pending.address.topic());
    Optional<String> badName = TopicNames.problem(topic);
    if (badName.isPresent()) {
      return new ReplyTopics.Check.Unusable("'" + topic + "' is not a valid topic name: " + badName.get());
    }
    pending.streamTopic = topic;
    return topics.check(topic, null);
  }

  /** Requests kept by {@link #routeBeforeCall} whose reply route has become known since the last call. */
  List<Routed> takeRouted() {
    if (awaitingRoute.isEmpty()) {
      return List.of();
    }
    List<PendingRequest> waiting = new ArrayList<>(awaitingRoute);
    awaitingRoute.clear();
    List<Routed> routed = new ArrayList<>();
    for (PendingRequest pending : waiting) {
      if (!pending.ledger.released()) {
        routeBeforeCall(pending).ifPresent(routed::add);
      }
    }
    return routed;
  }

  /**
   * The records to deliver for {@code pending}, each checked and if need be replaced; empty while
   * a topic is still being looked up (see {@link #takeResolved}). A returned list may be empty:
   * nothing could be published, and the request is done all the same.
   */
  Optional<List<Outgoing>> route(PendingRequest pending, List<Outgoing> records) {
    for (Outgoing record : records) {
      if (topics.check(record.topic(), record.record.partition()) instanceof ReplyTopics.Check.Pending) {
        awaitingLookup.add(new Resolved(pending, records));
        return Optional.empty();
      }
    }
    List<Outgoing> checked = new ArrayList<>(records.size());
    for (Outgoing record : records) {
      Outgoing vetted = vet(record);
      if (vetted != null) {
        checked.add(vetted);
      }
    }
    return Optional.of(checked);
  }

  /** Requests whose lookups have ended since the last call, their records checked. */
  List<Resolved> takeResolved() {
    if (awaitingLookup.isEmpty()) {
      return List.of();
    }
    List<Resolved> waiting = new ArrayList<>(awaitingLookup);
    awaitingLookup.clear();
    List<Resolved> resolved = new ArrayList<>();
    for (Resolved entry : waiting) {
      if (!entry.pending().ledger.released()) {
        route(entry.pending(), entry.records()).ifPresent(records -> resolved.add(new Resolved(entry.pending(), records)));
      }
    }
    return resolved;
  }

  /**
   * The record as it may be sent now: itself, or its replacement when its topic or size no
   * longer allow it, or null when nothing is left to send. A topic forgotten since (too many
   * requested topics) is let through: the send will tell.
   */
  Outgoing vet(Outgoing record) {
    Outgoing current = record;
    while (current != null) {
      ReplyTopics.Check check = topics.check(current.topic(), current.record.partition());
      Problem problem = null;
      if (check instanceof ReplyTopics.Check.Unusable unusable) {
        problem = Problem.unroutable(unusable.why());
      } else if (check instanceof ReplyTopics.Check.Ok ok) {
        int size = RecordSize.of(current.record);
        if (size > ok.maxRecordBytes()) {
          problem = Problem.tooLarge(size, ok, current.topic());
        }
      }
      if (problem == null) {
        return current;
      }
      current = replace(current, problem);
    }
    return null;
  }

  /** Kafka refused {@code record} and would again: its replacement, checked, or null. */
  Outgoing insteadOf(Outgoing record, Throwable failure) {
    topics.refresh(record.topic());
    Outgoing next = replace(record, Problem.refused(failure));
    return next == null ? null : vet(next);
  }

  void forgetReleased() {
    awaitingLookup.removeIf(entry -> entry.pending().ledger.released());
    awaitingRoute.removeIf(pending -> pending.ledger.released());
  }

  private Outgoing replace(Outgoing failed, Problem problem) {
    Outgoing next = fallbacks.next(failed, problem);
    PendingRequest pending = failed.pending;
    if (next == null) {
      metrics.recordSkipped();
      log.atError().addKeyValue("requestId", pending.logId).addKeyValue("partition", pending.record.partition())
          .addKeyValue("offset", pending.offset())
          .log("request {}: gave up publishing its {} ({}); its offset moves on without it", pending.logId,
              describe(failed), problem.message());
      return null;
    }
    metrics.recordReplaced(next.step.name().toLowerCase(java.util.Locale.ROOT));
    log.atWarn().addKeyValue("requestId", pending.logId).addKeyValue("partition", pending.record.partition())
        .addKeyValue("offset", pending.offset())
        .log("request {}: cannot publish its {} ({}); publishing {} instead", pending.logId, describe(failed),
            problem.message(), describe(next));
    return next;
  }

  private static String describe(Outgoing record) {
    String what = switch (record.step) {
      case AS_BUILT -> switch (record.kind) {
        case REPLY -> "reply";
        case DEAD_LETTER -> "dead-letter copy";
        case RETRY -> "retry copy";
      };
      case ERROR_ON_ROUTE -> "error reply";
      case ERROR_ON_DEFAULT -> "error reply on the default reply topic";
      case DEAD_LETTER_CUT -> "cut dead-letter copy";
    };
    return what + " to " + record.topic() + (record.record.partition() == null ? "" : "-" + record.record.partition());
  }
}
