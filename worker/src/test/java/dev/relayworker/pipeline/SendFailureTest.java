package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

/** Only what belongs to one record and would come again is blamed on the record. */
class SendFailureTest {

  @Test
  void blamesTheRecordOnlyForWhatItCannotEverGetPast() {
    assertThat(SendFailure.of(new RecordTooLargeException("big"))).isEqualTo(SendFailure.RECORD);
    assertThat(SendFailure.of(new InvalidTopicException("bad"))).isEqualTo(SendFailure.RECORD);
    assertThat(SendFailure.of(new TopicAuthorizationException("no"))).isEqualTo(SendFailure.RECORD);
    assertThat(SendFailure.of(new InvalidRecordException("no key"))).isEqualTo(SendFailure.RECORD);
    assertThat(SendFailure.of(new IllegalArgumentException("Invalid partition given with record: 99"))).isEqualTo(SendFailure.RECORD);
  }

  @Test
  void outagesAndCollateralDamageAreRetriedUnchanged() {
    assertThat(SendFailure.of(new TimeoutException("Expiring 3 records"))).isEqualTo(SendFailure.TRANSIENT);
    assertThat(SendFailure.of(new NotLeaderOrFollowerException("moved"))).isEqualTo(SendFailure.TRANSIENT);
    assertThat(SendFailure.of(new NotEnoughReplicasException("isr"))).isEqualTo(SendFailure.TRANSIENT);
    assertThat(SendFailure.of(new TransactionAbortedException())).isEqualTo(SendFailure.TRANSIENT);
    assertThat(SendFailure.of(new KafkaException("in an error state"))).isEqualTo(SendFailure.TRANSIENT);
  }

  @Test
  void onlyAFencedOrUnsupportedProducerIsFatalEvenWhenWrapped() {
    assertThat(SendFailure.of(new ProducerFencedException("fenced"))).isEqualTo(SendFailure.FATAL);
    assertThat(SendFailure.of(new KafkaException("wrapped", new ProducerFencedException("fenced"))))
        .isEqualTo(SendFailure.FATAL);
    assertThat(SendFailure.of(new UnsupportedVersionException("old broker"))).isEqualTo(SendFailure.FATAL);
  }
}
