package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.testkit.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Spend caps per UTC hour and day, on a clock the test moves. */
class SpendBudgetTest {

  private final MutableClock time = new MutableClock(Instant.parse("2026-12-02T22:15:00Z"));

  @Test
  void aDailyCapHoldsUntilTheNextUtcDayAndThenReopensByItself() {
    SpendBudget budget = new SpendBudget("route", 0, 1_000_000, 500_000, time); // 2 USD a day

    budget.spent(600_000);
    assertThat(budget.hold()).isNull();
    assertThat(budget.remaining(SpendBudget.Window.DAY)).isEqualTo(400_000);
    budget.spent(400_000);

    Hold hold = budget.hold();
    assertThat(hold.cause()).isEqualTo(Hold.Cause.BUDGET);
    assertThat(hold.until()).isEqualTo(Instant.parse("2026-12-03T00:00:00Z"));
    assertThat(hold.reason()).contains("per day").contains("(route): 2 USD (1000000 quota) spent of 2 USD");
    assertThat(budget.remaining(SpendBudget.Window.DAY)).isZero();

    time.advance(Duration.ofMinutes(104)); // 23:59
    assertThat(budget.hold()).isNotNull();
    time.advance(Duration.ofMinutes(1)); // midnight UTC
    assertThat(budget.hold()).isNull();
    assertThat(budget.remaining(SpendBudget.Window.DAY)).isEqualTo(1_000_000);
  }

  @Test
  void theLongerOfTwoReachedCapsSaysWhenConsumptionResumes() {
    SpendBudget budget = new SpendBudget("route", 100, 150, 500_000, time);

    budget.spent(160);

    assertThat(budget.hold().until()).isEqualTo(Instant.parse("2026-12-03T00:00:00Z"));
    time.advance(Duration.ofMinutes(45)); // 23:00: a new hour, but the day's cap still holds
    assertThat(budget.hold()).isNotNull();
    assertThat(budget.remaining(SpendBudget.Window.HOUR)).isEqualTo(100);
  }

  @Test
  void aWallClockSetBackKeepsTheWindowAlreadyCountedAndItsSpend() {
    SpendBudget budget = new SpendBudget("route", 1_000, 0, 500_000, time); // per hour, from 22:15
    budget.spent(1_000);

    time.advance(Duration.ofHours(-2)); // 20:15: set back into an hour already past
    Hold held = budget.hold();
    long remaining = budget.remaining(SpendBudget.Window.HOUR);
    time.advance(Duration.ofMinutes(164)); // 22:59 on the wall clock
    Hold stillHeld = budget.hold();
    time.advance(Duration.ofMinutes(1)); // 23:00: the counted window is over

    assertThat(held).isNotNull();
    assertThat(held.until()).isEqualTo(Instant.parse("2026-12-02T23:00:00Z"));
    assertThat(remaining).isZero();
    assertThat(stillHeld).isNotNull();
    assertThat(budget.hold()).isNull();
    assertThat(budget.remaining(SpendBudget.Window.HOUR)).isEqualTo(1_000);
  }

  @Test
  void aShareHoldsAtThatPartOfEachCap() {
    SpendBudget budget = new SpendBudget("route", 0, 900, 500_000, time);
    budget.share(1.0 / 3);

    budget.spent(299);
    assertThat(budget.hold()).isNull();
    budget.spent(1);

    assertThat(budget.hold()).isNotNull();
  }

  @Test
  void withoutCapsNothingIsEverHeld() {
    SpendBudget budget = SpendBudget.none(time);

    budget.spent(Long.MAX_VALUE / 2);

    assertThat(budget.capped()).isFalse();
    assertThat(budget.hold()).isNull();
    assertThat(budget.remaining(SpendBudget.Window.HOUR)).isEqualTo(-1);
  }

  @Test
  void callsOnTheirWayCountBeforeTheyAreAnsweredSoTheCapIsOvershotByOneWorstCaseAtMost() {
    SpendBudget budget = new SpendBudget("route", 1_000, 0, 500_000, time);

    long first = budget.reserve(600);
    long second = budget.reserve(600); // 600 reserved < 1,000: one more worst case may go
    long third = budget.reserve(600);  // 1,200 reserved: the cap is reached

    assertThat(first).isEqualTo(600);
    assertThat(second).isEqualTo(600);
    assertThat(third).isEqualTo(SpendBudget.REFUSED);
    assertThat(budget.hold().reason()).contains("1200 quota on calls in flight");
    assertThat(budget.remaining(SpendBudget.Window.HOUR)).isZero();

    budget.settle(first, 100); // answered: cost 100 of its 600
    budget.release(second);    // failed: cost nothing

    assertThat(budget.hold()).isNull();
    assertThat(budget.remaining(SpendBudget.Window.HOUR)).isEqualTo(900);
  }

  @Test
  void aRebaseStartsTheWindowFromWhatEveryWorkerRecordedAndTakesItsShareOfWhatIsLeft() {
    SpendBudget budget = new SpendBudget("premium", 1_000, 10_000, 500_000, time);
    budget.spent(300); // counted before; the ledger has it now, with the other workers' spend
    SpendRecord ledger = (scope, from, to) -> {
      assertThat(scope).isEqualTo("premium");
      return from.equals(Instant.parse("2026-12-02T22:00:00Z")) && to.equals(Instant.parse("2026-12-02T23:00:00Z"))
          ? 600 : 4_000;
    };

    budget.rebase(0.5, ledger);

    assertThat(budget.remaining(SpendBudget.Window.HOUR)).isEqualTo(200);  // (1,000 − 600) / 2
    assertThat(budget.remaining(SpendBudget.Window.DAY)).isEqualTo(3_000); // (10,000 − 4,000) / 2
    budget.spent(200);
    assertThat(budget.hold()).isNotNull();
  }

  @Test
  void aCapTheRecordSaysIsSpentHoldsAtOnceAfterARestart() {
    SpendBudget restarted = new SpendBudget("route", 1_000, 0, 500_000, time);

    restarted.rebase(1.0, (scope, from, to) -> 1_050);

    assertThat(restarted.reserve(1)).isEqualTo(SpendBudget.REFUSED);
    assertThat(restarted.hold().reason()).contains("0.0021 USD (1050 quota) spent");
  }

  @Test
  void aNewWindowStartsFromNothingWhateverTheLastOneRecorded() {
    SpendBudget budget = new SpendBudget("route", 1_000, 0, 500_000, time);
    budget.rebase(1.0, (scope, from, to) -> 5_000);

    time.advance(Duration.ofMinutes(45)); // 23:00

    assertThat(budget.hold()).isNull();
    assertThat(budget.remaining(SpendBudget.Window.HOUR)).isEqualTo(1_000);
  }
}
