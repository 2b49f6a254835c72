package dev.relayworker.pipeline;

import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Why a record cannot be published as it is. Immutable.
 *
 * @param message one sentence for error replies, dead-letter headers and logs; never a secret
 *     (messages of the Kafka producer name topics, partitions and sizes only)
 */
record Problem(Kind kind, String message) {

  enum Kind {
    /** Over the largest record its topic takes. */
    TOO_LARGE,
    /** Its topic or partition cannot be written. */
    UNROUTABLE,
    /** The producer or broker refused this record and would refuse it again. */
    REFUSED
  }

  static Problem tooLarge(int size, ReplyTopics.Check.Ok limit, String topic) {
    return new Problem(Kind.TOO_LARGE, "the record for topic '" + topic + "' would be " + size + " bytes, over the "
        + limit.maxRecordBytes() + "-byte limit set by " + limit.limitSource());
  }

  static Problem unroutable(String why) {
    return new Problem(Kind.UNROUTABLE, why);
  }

  /** Kafka's own refusal; its messages name topics, partitions, sizes and settings, nothing of ours. */
  static Problem refused(Throwable failure) {
    boolean size = failure instanceof RecordTooLargeException || failure instanceof RecordBatchTooLargeException;
    String detail = failure.getMessage() == null ? "" : ": " + failure.getMessage();
    return new Problem(size ? Kind.TOO_LARGE : Kind.REFUSED, "Kafka refused the record: "
        + failure.getClass().getSimpleName() + (detail.length() > 300 ? detail.substring(0, 300) + "..." : detail));
  }
}
