package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Tokens admitted as the relay's limiter counts them, on a clock the test moves (the timer's wake
 * is called by hand after a move): calls in flight hold their estimates, answers give back what
 * they did not use at once, and the line is served in order.
 */
class TokenAdmissionTest {

  private final AtomicLong nanos = new AtomicLong();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  /** 60,000 tokens a minute: a thousand a second. */
  private final TokenAdmission tokens = new TokenAdmission(60_000, nanos::get, timer);

  @AfterEach
  void stopTimer() {
    timer.shutdownNow();
  }

  @Test
  void callsInFlightHoldTheirEstimatesAndAnAnswerGivesBackWhatItDidNotUseAtOnce() {
    TokenAdmission.Waiter[] first = new TokenAdmission.Waiter[15];
    for (int i = 0; i < 15; i++) {
      first[i] = tokens.admit(4_000);
    }
    TokenAdmission.Waiter sixteenth = tokens.admit(4_000);

    assertThat(first).allSatisfy(waiter -> assertThat(waiter.admitted).isDone());
    assertThat(sixteenth.admitted).as("the bucket less the calls in flight holds no more").isNotDone();

    tokens.settle(first[0].held, 150); // answered: 150 of its 4,000 used, 3,850 back at once
    nanos.addAndGet(Duration.ofMillis(150).toNanos()); // and the 150 refilled
    tokens.wake();

    assertThat(sixteenth.admitted).as("admitted 150 ms later, not at a time booked in advance").isDone();
    assertThat(tokens.waiting()).isZero();
  }

  @Test
  void whatWasUsedComesBackWithTheRefill() {
    TokenAdmission.Waiter big = tokens.admit(60_000);
    tokens.settle(big.held, 60_000);
    TokenAdmission.Waiter next = tokens.admit(30_000);
    assertThat(next.admitted).isNotDone();

    nanos.addAndGet(Duration.ofSeconds(29).toNanos());
    tokens.wake();
    assertThat(next.admitted).isNotDone();
    nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    tokens.wake();

    assertThat(next.admitted).isDone();
  }

  @Test
  void theLineIsServedInOrderSoALargeEstimateIsNotOvertakenForEver() {
    TokenAdmission.Waiter held = tokens.admit(50_000);
    TokenAdmission.Waiter large = tokens.admit(40_000);
    TokenAdmission.Waiter small = tokens.admit(100);

    assertThat(large.admitted).isNotDone();
    assertThat(small.admitted).as("behind the large one, though it would fit").isNotDone();

    tokens.release(held.held);

    assertThat(large.admitted).isDone();
    assertThat(small.admitted).isDone();
  }

  @Test
  void aWithdrawnWaiterLeavesTheLineAndAnAdmittedOneCannotBeWithdrawn() {
    TokenAdmission.Waiter held = tokens.admit(60_000);
    TokenAdmission.Waiter waiting = tokens.admit(10_000);

    assertThat(tokens.withdraw(waiting)).isTrue();
    assertThat(tokens.withdraw(held)).isFalse();
    assertThat(tokens.waiting()).isZero();
  }

  @Test
  void anEstimateOverAMinuteWaitsForAFullBucketAndNothingInFlight() {
    TokenAdmission.Waiter small = tokens.admit(1);
    TokenAdmission.Waiter huge = tokens.admit(1_000_000);
    assertThat(huge.admitted).isNotDone();

    tokens.settle(small.held, 1);
    nanos.addAndGet(Duration.ofMillis(1).toNanos());
    tokens.wake();

    assertThat(huge.admitted).isDone();
    assertThat(huge.held).isEqualTo(60_000);
  }

  @Test
  void anAnswerOverItsEstimateLeavesADebtOfAtMostAMinute() {
    TokenAdmission.Waiter call = tokens.admit(100);
    tokens.settle(call.held, Long.MAX_VALUE);

    TokenAdmission.Waiter next = tokens.admit(1);
    nanos.addAndGet(Duration.ofSeconds(60).toNanos()); // back to an empty bucket
    tokens.wake();
    assertThat(next.admitted).isNotDone();
    nanos.addAndGet(Duration.ofMillis(1).toNanos());
    tokens.wake();

    assertThat(next.admitted).isDone();
  }

  @Test
  void aSmallerShareHoldsLess() {
    tokens.share(0.25); // 15,000 a minute

    TokenAdmission.Waiter first = tokens.admit(10_000);
    TokenAdmission.Waiter second = tokens.admit(10_000);

    assertThat(first.admitted).isDone();
    assertThat(second.admitted).isNotDone();
    assertThat(tokens.capacity()).isEqualTo(15_000);
  }
}
