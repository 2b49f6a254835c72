package dev.relayworker.pipeline;

import dev.relayworker.protocol.CompletionRequest;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * One consumed record between being taken and being done. Confined to the poll thread, except
 * that relay and producer threads hand it back through the {@link Mailbox} untouched.
 */
final class PendingRequest {

  final ConsumerRecord<byte[], byte[]> record;
  final PartitionLedger ledger;
  final String requestId;
  /** Null for records that were not valid requests. */
  final CompletionRequest request;
  /** Relay calls made so far, over every submission. */
  int attempts;
  /** Records published for this request and not yet acknowledged. */
  int unacknowledged;
  /** Its reply was built and counted as answered on the ledger. */
  boolean answered;
  /** Sent while the circuit was half-open, to find out whether the relay is back. */
  boolean probe;

  PendingRequest(ConsumerRecord<byte[], byte[]> record, PartitionLedger ledger, String requestId,
      CompletionRequest request) {
    this.record = record;
    this.ledger = ledger;
    this.requestId = requestId;
    this.request = request;
  }

  long offset() {
    return record.offset();
  }
}
