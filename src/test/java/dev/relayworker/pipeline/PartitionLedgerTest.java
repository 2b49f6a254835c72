package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionLedgerTest {

  private final PartitionLedger ledger = new PartitionLedger(new TopicPartition("t", 0));

  @Test
  void nothingToCommitBeforeAnythingIsTaken() {
    assertThat(ledger.committable()).isEmpty();
  }

  @Test
  void commitsOnlyBelowTheFirstUnfinishedOffset() {
    ledger.taken(10);
    ledger.taken(11);
    ledger.taken(12);

    ledger.done(11);
    ledger.done(12);
    assertThat(ledger.committable()).hasValue(10);

    ledger.done(10);
    assertThat(ledger.committable()).hasValue(13);
  }

  @Test
  void skipsGapsInOffsets() {
    ledger.taken(5);
    ledger.taken(9);
    ledger.done(5);

    assertThat(ledger.committable()).hasValue(9);
    ledger.done(9);
    assertThat(ledger.committable()).hasValue(10);
  }

  @Test
  void reportsOnlyMovesPastTheLastCommit() {
    ledger.taken(0);
    ledger.done(0);
    ledger.committed(1);

    assertThat(ledger.uncommitted()).isEmpty();
    ledger.taken(1);
    ledger.done(1);
    assertThat(ledger.uncommitted()).hasValue(2);
  }
}
