package dev.relayworker.pipeline;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * What a failed send says, and so what to do about it. Pure.
 *
 * <p>Only a failure that can belong to one record alone, and would come again for the same
 * record, is blamed on the record ({@link #RECORD}): it is replaced by its fallback. Everything
 * else (timeouts, leaders moving, the coordinator away, a broken producer) says nothing against
 * the record: it is sent again unchanged, so a cluster outage never turns answers into error
 * replies. The route of a record that failed is looked up again, so a topic deleted meanwhile is
 * caught by the route check rather than retried for ever.
 */
enum SendFailure {
  /** The record can never be written as it is: too large, invalid or forbidden topic, bad partition, bad record. */
  RECORD,
  /** Try the same record again later. */
  TRANSIENT,
  /** This producer can never write again: fenced by another instance, or a broker too old for it. */
  FATAL;

  static SendFailure of(Throwable failure) {
    for (Throwable link = failure; link != null; link = link.getCause()) {
      if (link instanceof ProducerFencedException || link instanceof UnsupportedVersionException) {
        return FATAL;
      }
    }
    if (failure instanceof RecordTooLargeException || failure instanceof RecordBatchTooLargeException
        || failure instanceof InvalidTopicException || failure instanceof TopicAuthorizationException
        || failure instanceof InvalidRecordException || failure instanceof InvalidTimestampException
        || failure instanceof SerializationException || failure instanceof IllegalArgumentException) {
      return RECORD;
    }
    return TRANSIENT;
  }
}
