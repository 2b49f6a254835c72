package dev.relayworker.pipeline;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.protocol.RequestParser;
import dev.relayworker.protocol.RequestRules;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * What the loops' unit tests build a loop from, but for the consumer, the delivery and the relay:
 * reply topics "replies" (4 partitions) and "dlq" known at once, a router onto them, a parser with
 * the default rules.
 */
final class LoopParts {

  final ReplyTopics topics;
  final ReplyRecords replies = new ReplyRecords("dlq");
  final ReplyRouter router;
  final RequestParser parser = new RequestParser(RequestRules.from(new WorkerConfig(Map.of(
      WorkerConfig.KAFKA_BOOTSTRAP_SERVERS, "localhost:9092",
      WorkerConfig.RELAY_BASE_URL, "http://relay.invalid",
      WorkerConfig.RELAY_API_KEY, "sk-test",
      WorkerConfig.REPLY_TOPIC, "replies"))));

  LoopParts(Clock clock, WorkerMetrics metrics) {
    this.topics = new ReplyTopics(names -> Map.of(
        "replies", new ReplyTopics.TopicFacts(4, 1_048_588, null),
        "dlq", new ReplyTopics.TopicFacts(1, 1_048_588, null)), 1_048_576, "none", clock);
    topics.pin(List.of("replies", "dlq"));
    this.router = new ReplyRouter(topics, new Fallbacks(replies, "replies", () -> 1_048_576), metrics);
  }
}
