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
    assertThat(DoneOffsets.decode(10, commit.metadata())).hasValueSatisfying(done -> assertThat(done).containsExactly(11L, 12L));
    ledger.done(10);
    assertThat(ledger.uncommitted()).isEqualTo(new OffsetAndMetadata(13, ""));
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
    ledger.restore(new OffsetAndMetadata(100, DoneOffsets.encode(100, new java.util.TreeSet<>(java.util.List.of(102L, 103L)))));

    assertThat(ledger.take(100)).isTrue();
    assertThat(ledger.take(101)).isTrue();
    assertThat(ledger.take(102)).isFalse();
    ledger.done(101);
    OffsetAndMetadata commit = ledger.uncommitted();

    assertThat(commit.offset()).isEqualTo(100);
    assertThat(DoneOffsets.decode(100, commit.metadata()))
        .hasValueSatisfying(done -> assertThat(done).containsExactly(101L, 102L, 103L));
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
  void isFullWhenTheDoneRangeNearsWhatTheMetadataHolds() {
    PartitionLedger small = new PartitionLedger(new TopicPartition("t", 0), 1000);
    long capacity = DoneOffsets.capacity(1000);
    small.take(0);
    for (long offset = 1; offset <= capacity - PartitionLedger.HEADROOM; offset++) {
      small.take(offset);
      small.done(offset);
    }

    assertThat(small.full()).isTrue();
    assertThat(small.uncommitted().metadata().length()).isLessThanOrEqualTo(1000);
    small.done(0);
    assertThat(small.full()).isFalse();
  }
}
