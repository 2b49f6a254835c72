package dev.relayworker.pipeline;

import dev.relayworker.protocol.ReplyError;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.ReplyRoute;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands replies to the {@link Delivery} once their route is known to be writable: at once for the
 * default reply topic, after the {@link ReplyRoutes} lookup for a requested one, and replaced by
 * an error reply on the default topic when the requested topic or partition does not exist.
 * Marks each request answered on its ledger when its reply is handed over.
 *
 * <p>Confined to the poll thread; not thread-safe.
 */
final class ReplyRouter {

  private static final Logger log = LoggerFactory.getLogger(ReplyRouter.class);

  private final ReplyRoutes routes;
  private final ReplyRecords replies;
  private final String defaultTopic;
  private final Delivery delivery;
  private final List<Answer> awaitingRoute = new ArrayList<>();

  ReplyRouter(ReplyRoutes routes, ReplyRecords replies, String defaultTopic, Delivery delivery) {
    this.routes = routes;
    this.replies = replies;
    this.defaultTopic = defaultTopic;
    this.delivery = delivery;
  }

  /** Starts looking up a requested reply topic while the relay works on the request. */
  void prefetch(ReplyRoute route) {
    routes.status(route);
  }

  void answer(PendingRequest pending, ProducerRecord<byte[], byte[]> reply) {
    ReplyRoutes.Status status = routes.status(pending.request.route());
    if (status != ReplyRoutes.Status.UNKNOWN && !pending.answered) {
      pending.answered = true;
      pending.ledger.answered();
    }
    switch (status) {
      case OK -> delivery.publish(pending, List.of(reply));
      case UNKNOWN -> awaitingRoute.add(new Answer(pending, reply));
      case MISSING -> {
        ReplyRoute route = pending.request.route();
        log.warn("request {}: requested reply topic {} (partition {}) cannot be written; answering on {}",
            pending.requestId, route.topic(), route.partition(), defaultTopic);
        delivery.publish(pending, List.of(replies.error(pending.requestId, pending.request.replyKey(),
            ReplyRoute.defaultTopic(defaultTopic, route.correlation()),
            ReplyError.invalid("could not publish the reply to topic '" + route.topic() + "'"
                + (route.partition() == null ? "" : " partition " + route.partition())
                + ": it does not exist or has no such partition", null), 0, pending.attempts)));
      }
    }
  }

  /** Hands over the replies whose route lookup has finished since the last turn. */
  void releaseResolved() {
    if (awaitingRoute.isEmpty()) {
      return;
    }
    List<Answer> waiting = new ArrayList<>(awaitingRoute);
    awaitingRoute.clear();
    for (Answer answer : waiting) {
      if (!answer.pending().ledger.released()) {
        answer(answer.pending(), answer.reply());
      }
    }
  }

  void forgetReleased() {
    awaitingRoute.removeIf(answer -> answer.pending().ledger.released());
  }

  private record Answer(PendingRequest pending, ProducerRecord<byte[], byte[]> reply) {}
}
