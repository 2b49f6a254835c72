package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IntakeLimitsTest {

  @Test
  void byDefaultQueuesThreePollsOfRequestsBeyondTheSlots() {
    IntakeLimits intake = IntakeLimits.forRelay(1_000, 0);

    assertThat(intake.maxPollRecords()).isEqualTo(250);
    assertThat(intake.maxInFlight()).isEqualTo(1_750);
    assertThat(intake.resumeBelow()).isEqualTo(1_500);
  }

  @ParameterizedTest(name = "{0} slots")
  @ValueSource(ints = {1, 2, 3, 7, 256, 1_000, 5_000, 100_000})
  void byDefaultRequestsAlwaysWaitForSlotsWhenIntakeResumes(int slots) {
    IntakeLimits intake = IntakeLimits.forRelay(slots, 0);

    assertThat(intake.keepsSlotsFull(slots)).isTrue();
    assertThat(intake.resumeBelow()).isLessThan(intake.maxInFlight());
    assertThat(intake.maxPollRecords()).isBetween(1, IntakeLimits.MOST_RECORDS_PER_POLL);
  }

  @Test
  void aCapAtTheSlotCountIsKeptButLeavesSlotsIdle() {
    IntakeLimits intake = IntakeLimits.forRelay(1_000, 1_000);

    assertThat(intake.maxInFlight()).isEqualTo(1_000);
    assertThat(intake.resumeBelow()).isEqualTo(750);
    assertThat(intake.keepsSlotsFull(1_000)).isFalse();
  }

  @Test
  void aSmallCapPollsAQuarterOfItselfAndResumesAtLeastAtOne() {
    assertThat(IntakeLimits.forRelay(256, 70).maxPollRecords()).isEqualTo(17);
    assertThat(IntakeLimits.forRelay(256, 1, 1_000)).isEqualTo(new IntakeLimits(1, 1, 1, 1_000));
  }
}
