package dev.relayworker.pipeline;

import dev.relayworker.protocol.CompletionRequest;
import dev.relayworker.protocol.InputLimits;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.relay.RelayApi;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;

/** Requests and records for the pipeline's unit tests: a request taken at an offset, and readers of what was built. */
final class Requests {

  private Requests() {}

  /** A request keyed {@code id-OFFSET} taken on {@code ledger}'s partition, answered on {@code route}. */
  static PendingRequest taken(PartitionLedger ledger, long offset, ReplyAddress route) {
    return taken(ledger, offset, route, Instant.MAX);
  }

  /** The same, with a deadline. */
  static PendingRequest taken(PartitionLedger ledger, long offset, ReplyAddress route, Instant deadline) {
    ledger.take(offset);
    String id = "id-" + offset;
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(ledger.partition().topic(),
        ledger.partition().partition(), offset, 0L, TimestampType.CREATE_TIME, 0, 0, bytes(id), bytes("{}"),
        new RecordHeaders(), Optional.empty());
    return new PendingRequest(record, ledger, id, bytes(id), route,
        new CompletionRequest(id, bytes(id), bytes("{}"), deadline, route, null, 0, RelayApi.COMPLETIONS, null,
            InputLimits.defaults().usageMaxTokens()));
  }

  /** A request taken at {@code offset} that asks for its answer streamed. */
  static PendingRequest streamed(PartitionLedger ledger, long offset, ReplyAddress route) {
    ledger.take(offset);
    String id = "id-" + offset;
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(ledger.partition().topic(),
        ledger.partition().partition(), offset, 0L, TimestampType.CREATE_TIME, 0, 0, bytes(id), bytes("{}"),
        new RecordHeaders(), Optional.empty());
    return new PendingRequest(record, ledger, id, bytes(id), route,
        new CompletionRequest(id, bytes(id), bytes("{}"), Instant.MAX, route, null, 0, RelayApi.CHAT_COMPLETIONS, null,
            InputLimits.defaults().usageMaxTokens(), null, true));
  }

  /** The last value of a header as UTF-8, or null. */
  static String header(ProducerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  static String key(ProducerRecord<byte[], byte[]> record) {
    return new String(record.key(), StandardCharsets.UTF_8);
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
