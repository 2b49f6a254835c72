package dev.relayworker.pipeline;

import dev.relayworker.protocol.CompletionRequest;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.tracing.RequestSpan;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One consumed record between being taken and being done. Confined to the poll thread, except
 * that relay and producer threads hand it back through the {@link Mailbox} untouched.
 */
final class PendingRequest {

  final ConsumerRecord<byte[], byte[]> record;
  final PartitionLedger ledger;
  final String requestId;
  /** The request ID as log lines show it ({@link LogText}). */
  final String logId;
  /** Key of every record published for it: the request's key bytes, or the request ID. */
  final byte[] replyKey;
  /** Where its reply goes and the correlation it echoes, for valid and refused records alike. */
  final ReplyAddress address;
  /** Null for records that were not valid requests. */
  final CompletionRequest request;
  /** Relay calls made so far, over every submission. */
  int attempts;
  /** Attempts charged to its retry budget so far (failures while the relay was up). */
  int charged;
  /** Records handed to an at-least-once delivery and not yet acknowledged or given up. */
  int unacknowledged;
  /** Its reply was built and counted as answered on the ledger. */
  boolean answered;
  /** A dead-letter copy of its record was published or is on its way. */
  boolean deadLettered;
  /** Sent while the circuit was half-open, to find out whether the relay is back. */
  boolean probe;
  /** The relay's answer, for the spend ledger (what it counted against which caps); null until one came. */
  CallResult answer;
  /** Where its streamed text goes as chunk records; null when it is not streamed or its chunks cannot be written. */
  String streamTopic;
  /** When it was first parked, on the worker's clock; null if it never was. */
  java.time.Instant parkedAt;
  /** Its spans; {@link RequestSpan#NONE} when not traced. */
  RequestSpan trace = RequestSpan.NONE;

  PendingRequest(ConsumerRecord<byte[], byte[]> record, PartitionLedger ledger, String requestId, byte[] replyKey,
      ReplyAddress address, CompletionRequest request) {
    this.record = record;
    this.ledger = ledger;
    this.requestId = requestId;
    this.logId = LogText.of(requestId);
    this.replyKey = replyKey;
    this.address = address;
    this.request = request;
  }

  long offset() {
    return record.offset();
  }

  /** What was published for it is safe: its offset is done, its spans end. */
  void done() {
    ledger.done(offset());
    trace.done();
  }
}
