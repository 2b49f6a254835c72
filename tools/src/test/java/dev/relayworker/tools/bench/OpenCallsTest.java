package dev.relayworker.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.simulator.SimulatorStats.Call;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class OpenCallsTest {

  private static final long MS = 1_000_000L;

  @Test
  void slotsKeptFullShowTheSlotCountAsMeanAndLow() {
    List<Call> log = new ArrayList<>();
    // Two slots, each carrying back-to-back 100 ms calls for a second.
    for (int slot = 0; slot < 2; slot++) {
      for (int i = 0; i < 10; i++) {
        log.add(new Call("m " + (slot * 10 + i), "200", i * 100 * MS, (i + 1) * 100 * MS));
      }
    }

    OpenCalls open = OpenCalls.during("m ", 0, 5, log);

    assertThat(open.mean()).isEqualTo(2.0);
    assertThat(open.lowest()).isEqualTo(2.0);
  }

  @Test
  void aGapShowsInTheLowestBucketAndLowersTheMean() {
    // One slot busy from 0 to 1 s except 300 to 400 ms; the window ends at the last arrival (900 ms).
    List<Call> log = List.of(
        new Call("m 1", "200", 0, 300 * MS),
        new Call("m 2", "200", 400 * MS, 900 * MS),
        new Call("m 3", "200", 900 * MS, 1_000 * MS));

    OpenCalls open = OpenCalls.during("m ", 0, 5, log);

    assertThat(open.mean()).isEqualTo(800.0 / 900.0);
    assertThat(open.lowest()).isZero();
  }

  @Test
  void theWindowOpensWhenTheLastRequestWasSentAndIgnoresOtherPhasesPrompts() {
    List<Call> log = List.of(
        new Call("w 1", "200", 0, 500 * MS),
        new Call("m 1", "200", 0, 200 * MS),
        new Call("m 2", "200", 400 * MS, 600 * MS));

    OpenCalls open = OpenCalls.during("m ", 200 * MS, 5, log);

    // From 200 to 400 ms: the warm-up call is open all the while, the measured ones not at all.
    assertThat(open.mean()).isEqualTo(1.0);
  }

  @Test
  void theWindowOpensOnlyOnceEverySlotWasTaken() {
    // Two slots: the second is taken only at 300 ms; before that intake was still ramping up.
    List<Call> log = List.of(
        new Call("m 1", "200", 0, 1_000 * MS),
        new Call("m 2", "200", 300 * MS, 600 * MS),
        new Call("m 3", "200", 600 * MS, 1_000 * MS),
        new Call("m 4", "200", 700 * MS, 900 * MS));

    OpenCalls open = OpenCalls.during("m ", 0, 2, log);

    // From 300 to 700 ms two calls are open all the while.
    assertThat(open.mean()).isEqualTo(2.0);
    assertThat(open.lowest()).isEqualTo(2.0);
  }

  @Test
  void noWindowGivesNoFigures() {
    OpenCalls open = OpenCalls.during("m ", 500 * MS, 5, List.of(new Call("m 1", "200", 100 * MS, 200 * MS)));

    assertThat(open.mean()).isNaN();
    assertThat(open.lowest()).isNaN();
  }
}
