package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.testkit.MutableClock;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Caller and model caps: a named one has caps of its own, every other shares the '*' caps. */
class ScopedBudgetsTest {

  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T21:00:00Z"));
  private final ScopedBudgets budgets = ScopedBudgets.of(Map.of("svc-a", 1.0), Map.of("*", 2.0),
      Map.of(), Map.of("gpt-4o", 3.0), clock);

  @Test
  void aNamedCallerHasItsOwnCapsAndEveryOtherCallerSharesTheStarOnes() {
    SpendBudget svcA = budgets.of("svc-a", "davinci-002").get(0);
    SpendBudget svcB = budgets.of("svc-b", "davinci-002").get(0);
    SpendBudget invented = budgets.of("made-up-" + System.nanoTime(), "davinci-002").get(0);
    SpendBudget unnamed = budgets.of(null, "davinci-002").get(0);

    assertThat(svcA.scope()).isEqualTo("caller:svc-a");
    assertThat(svcA.remaining(SpendBudget.Window.HOUR)).isEqualTo(500_000);
    assertThat(svcA.remaining(SpendBudget.Window.DAY)).isEqualTo(-1);
    assertThat(svcB.scope()).isEqualTo("caller:*");
    assertThat(invented).as("a new name gets no fresh cap").isSameAs(svcB);
    assertThat(unnamed).isSameAs(svcB);
  }

  @Test
  void aRequestCountsAgainstItsCallersAndItsModelsCaps() {
    assertThat(budgets.of("svc-a", "gpt-4o")).extracting(SpendBudget::scope)
        .containsExactly("caller:svc-a", "model:gpt-4o");
    assertThat(budgets.of("svc-a", "o3")).extracting(SpendBudget::scope).containsExactly("caller:svc-a");
    assertThat(ScopedBudgets.none().of("svc-a", "gpt-4o")).isEmpty();
  }
}
