package dev.relayworker.pipeline;

import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One record to publish for a request, and how far down its fallbacks ({@link Fallbacks}) it
 * has come. Immutable but for the count of failed transactions it was part of; a fallback is a
 * new instance. Confined to the poll thread.
 *
 * @param because why it is no longer the record first built (null at {@link Step#AS_BUILT})
 */
final class Outgoing {

  /** What the record is for. */
  enum Kind {
    /** The answer the requester waits for: a reply or an error reply. */
    REPLY,
    /** A copy of the request record on the dead-letter topic. */
    DEAD_LETTER,
    /** A copy of the request record on the retry topic: the request moved, to be answered from there. */
    RETRY
  }

  /** How far the record is from the one first built. */
  enum Step {
    AS_BUILT,
    /** An error reply where the reply would have gone: the reply did not fit. */
    ERROR_ON_ROUTE,
    /** An error reply on the default reply topic. */
    ERROR_ON_DEFAULT,
    /** The request record on the dead-letter topic, cut to fit. */
    DEAD_LETTER_CUT
  }

  final PendingRequest pending;
  final ProducerRecord<byte[], byte[]> record;
  final Kind kind;
  final Step step;
  final Problem because;
  /** Aborted transactions this record was sent in (exactly once), for logs. */
  int abortedTransactions;

  Outgoing(PendingRequest pending, ProducerRecord<byte[], byte[]> record, Kind kind, Step step, Problem because) {
    this.pending = pending;
    this.record = record;
    this.kind = kind;
    this.step = step;
    this.because = because;
  }

  static Outgoing reply(PendingRequest pending, ProducerRecord<byte[], byte[]> record) {
    return new Outgoing(pending, record, Kind.REPLY, Step.AS_BUILT, null);
  }

  static Outgoing retry(PendingRequest pending, ProducerRecord<byte[], byte[]> record) {
    return new Outgoing(pending, record, Kind.RETRY, Step.AS_BUILT, null);
  }

  static Outgoing deadLetter(PendingRequest pending, ProducerRecord<byte[], byte[]> record) {
    return new Outgoing(pending, record, Kind.DEAD_LETTER, Step.AS_BUILT, null);
  }

  Outgoing instead(ProducerRecord<byte[], byte[]> next, Kind nextKind, Step nextStep, Problem problem) {
    return new Outgoing(pending, next, nextKind, nextStep, because == null ? problem : because);
  }

  String topic() {
    return record.topic();
  }
}
