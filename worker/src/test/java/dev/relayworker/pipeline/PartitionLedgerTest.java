package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionLedgerTest {

  private final PartitionLedger ledger = new PartitionLedger(new TopicPartition("t", 0), 4096);

  @Test
  void nothingToCommitBeforeAnythingIsTaken() {
    assertThat(ledger.committable()).isEmpty();
    assertThat(ledger.uncommitted()).isNull();
  }

  @Test
  void commitsBelowTheFirstUnfinishedOffsetAndRecordsThoseDoneAboveIt() {
    ledger.take(10);
    ledger.take(11);
    ledger.take(12);

    ledger.done(11);
    ledger.done(12);
    OffsetAndMetadata commit = ledger.uncommitted();

    assertThat(commit.offset()).isEqualTo(10);
    assertThat(DoneOffsets.decode(10, commit.metadata())).hasValueSatisfying(done -> assertThat(done.toList()).containsExactly(11L, 12L));
    ledger.done(10);
    assertThat(ledger.uncommitted()).isEqualTo(new OffsetAndMetadata(13, ""));
  }

  @Test
  void commitsThePositionPastATransactionMarkerOnceNothingIsPending() {
    // Records 10 and 11 of a transaction; its commit marker is offset 12, the consumer's position 13.
    ledger.take(10);
    ledger.take(11);
    ledger.readTo(13);
    ledger.done(11);
    assertThat(ledger.uncommitted().offset()).isEqualTo(10);
    ledger.done(10);
    assertThat(ledger.uncommitted()).isEqualTo(new OffsetAndMetadata(13, ""));
    ledger.committed(new OffsetAndMetadata(13, ""));

    // A later poll that returned only a marker moves the position, and the commit, on.
    ledger.readTo(15);
    assertThat(ledger.uncommitted()).isEqualTo(new OffsetAndMetadata(15, ""));
    // A position behind what was taken (never reported by the consumer) changes nothing.
    ledger.readTo(3);
    assertThat(ledger.committable()).hasValue(15);
  }

  @Test
  void aPositionFromBeforeARestartDoesNotStepOverOffsetsStillToBeRead() {
    ledger.restore(new OffsetAndMetadata(20, DoneOffsets.encode(20, OffsetRanges.of(22L))));
    ledger.take(20);
    ledger.take(21);
    ledger.readTo(22);
    ledger.done(20);
    ledger.done(21);
    assertThat(ledger.committable()).as("22 was done before the restart").hasValue(23);
    assertThat(ledger.take(22)).isFalse();
    ledger.readTo(24);
    assertThat(ledger.committable()).hasValue(24);
  }

  @Test
  void skipsGapsInOffsets() {
    ledger.take(5);
    ledger.take(9);
    ledger.done(5);

    assertThat(ledger.committable()).hasValue(9);
    ledger.done(9);
    assertThat(ledger.committable()).hasValue(10);
  }

  @Test
  void afterARestartSkipsWhatWasDoneAndKeepsRecordingIt() {
    ledger.restore(new OffsetAndMetadata(100, DoneOffsets.encode(100, OffsetRanges.of(102, 103))));

    assertThat(ledger.take(100)).isTrue();
    assertThat(ledger.take(101)).isTrue();
    assertThat(ledger.take(102)).isFalse();
    ledger.done(101);
    OffsetAndMetadata commit = ledger.uncommitted();

    assertThat(commit.offset()).isEqualTo(100);
    assertThat(DoneOffsets.decode(100, commit.metadata()))
        .hasValueSatisfying(done -> assertThat(done.toList()).containsExactly(101L, 102L, 103L));
    ledger.done(100);
    // 103 was done before the restart and is not read again yet: the commit steps over it.
    assertThat(ledger.committable()).hasValue(104);
  }

  @Test
  void foreignMetadataIsIgnored() {
    ledger.restore(new OffsetAndMetadata(7, "written by another tool"));

    assertThat(ledger.take(8)).isTrue();
  }

  @Test
  void aMillionAnsweredBehindOneStuckRequestNeitherFillsItNorOutgrowsTheMetadata() {
    ledger.take(0);
    for (long offset = 1; offset <= 1_000_000; offset++) {
      ledger.take(offset, 10);
      ledger.done(offset);
    }

    OffsetAndMetadata commit = ledger.uncommitted();

    assertThat(ledger.full()).isFalse();
    assertThat(commit.offset()).isZero();
    assertThat(commit.metadata()).hasSizeLessThan(32);
    assertThat(DoneOffsets.decode(0, commit.metadata())).hasValueSatisfying(done -> assertThat(done.last()).isEqualTo(1_000_000));
    assertThat(ledger.heldBytes()).isZero();
    ledger.done(0);
    assertThat(ledger.committable()).hasValue(1_000_001);
  }

  @Test
  void isFullWhenNeitherABitsetNorRunsAreSureToFitTheMetadata() {
    PartitionLedger small = new PartitionLedger(new TopicPartition("t", 0), 1_000);
    for (long offset = 0; offset <= 8_000; offset++) {
      small.take(offset);
    }
    for (long offset = 1; offset <= 8_000; offset += 2) {
      small.done(offset);
    }

    assertThat(small.full()).isTrue();
    for (long offset = 2; offset <= 8_000; offset += 2) {
      small.done(offset);
    }
    assertThat(small.full()).isFalse();
    assertThat(small.uncommitted().metadata().length()).isLessThanOrEqualTo(1_000);
  }

  @Test
  void countsTheRunsRequestsStillPendingCouldAddBeforeTheyAreDone() {
    PartitionLedger small = new PartitionLedger(new TopicPartition("t", 0), 200);
    small.take(0);
    for (long offset = 1; offset <= 3_000; offset++) {
      small.take(offset);
      if (offset < 2_000) {
        small.done(offset);
      }
    }

    // One run done, but the thousand pending behind it could each split a run on finishing.
    assertThat(small.full()).isTrue();
  }

  @Test
  void holdsTheBytesOfItsRequestsUntilTheyAreDone() {
    ledger.take(1, 1_000);
    ledger.take(2, 500);
    ledger.holds(1, 300);
    ledger.holds(99, 7_000);

    assertThat(ledger.heldBytes()).isEqualTo(1_800);
    ledger.done(1);
    assertThat(ledger.heldBytes()).isEqualTo(500);
  }
}
