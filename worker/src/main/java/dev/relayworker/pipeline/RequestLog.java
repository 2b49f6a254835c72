package dev.relayworker.pipeline;

import dev.relayworker.cost.CallCost;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.protocol.ParsedRecord;
import dev.relayworker.protocol.ReplyError;
import dev.relayworker.relay.Completion;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Counts and logs what becomes of each request: taken, refused, answered. Lines about one request
 * carry its {@code requestId} (as {@link LogText} makes it safe), {@code partition} and
 * {@code offset} as key-value pairs, which the JSON log format turns into fields. Answers are logged at debug: at thousands a second they are
 * for tracing one request, not for reading.
 *
 * <p>Confined to the poll thread.
 */
final class RequestLog {

  private static final Logger log = LoggerFactory.getLogger(RequestLog.class);

  private final WorkerMetrics metrics;
  private final Clock clock;

  RequestLog(WorkerMetrics metrics, Clock clock) {
    this.metrics = metrics;
    this.clock = clock;
  }

  void taken() {
    metrics.requestConsumed();
  }

  void refused(PendingRequest pending, ParsedRecord.Invalid invalid) {
    ConsumerRecord<byte[], byte[]> record = pending.record;
    metrics.replied(invalid.error().type().wireName(), age(record));
    about(log.atWarn(), pending)
        .log("refused record {}-{}@{} (request {}): {}", record.topic(), record.partition(), record.offset(),
            pending.logId, invalid.logMessage());
  }

  /**
   * @param cost what it cost by its usage, or null when the relay sent none
   * @param route the route that answered, or null when the relay has none
   */
  void completed(PendingRequest pending, Completion completion, CallCost cost, String route) {
    if (cost != null) {
      // The cost's counts: the answer's usage as far as it could be believed.
      metrics.tokens(completion.model(), cost.usage());
      metrics.cost(cost, route);
    }
    answered(pending, null);
  }

  /** A reply about to be produced: ok when {@code error} is null. */
  void answered(PendingRequest pending, ReplyError error) {
    metrics.replied(error == null ? null : error.type().wireName(), age(pending.record));
    if (log.isDebugEnabled()) {
      about(log.atDebug(), pending)
          .addKeyValue("attempts", pending.attempts)
          .log("answered request {}: {}", pending.logId,
              error == null ? "ok" : error.type().wireName() + " (" + error.message() + ")");
    }
  }

  /** A request parked for {@code parked} was moved to the retry topic. */
  void moved(PendingRequest pending, Duration parked) {
    metrics.requestMoved();
    about(log.atInfo(), pending)
        .log("request {} parked for {} s, no route of its model taking calls: moved to the retry topic, where it"
            + " waits without holding its partition", pending.logId, parked.toSeconds());
  }

  void unexpected(PendingRequest pending, Throwable cause) {
    // The class only, no stack trace text: an unexpected exception's message could carry anything.
    about(log.atError(), pending)
        .log("relay call for request {} failed unexpectedly: {}", pending.logId, cause.getClass().getName());
  }

  /** Null when the record has no timestamp (-1, from producers of the oldest message format). */
  private Duration age(ConsumerRecord<byte[], byte[]> record) {
    return record.timestamp() < 0 ? null : Duration.ofMillis(clock.millis() - record.timestamp());
  }

  private static LoggingEventBuilder about(LoggingEventBuilder event, PendingRequest pending) {
    return event.addKeyValue("requestId", pending.logId).addKeyValue("partition", pending.record.partition())
        .addKeyValue("offset", pending.offset());
  }
}
