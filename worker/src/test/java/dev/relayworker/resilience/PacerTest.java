package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The pacer on a time line the test moves: evenly spaced, settled, shared. */
class PacerTest {

  private static final long SECOND = Duration.ofSeconds(1).toNanos();
  private static final long MINUTE = Duration.ofMinutes(1).toNanos();

  @Test
  void spacesReservationsEvenlyWithoutABurst() {
    Pacer pacer = new Pacer(600, 0);

    assertThat(pacer.reserve(1, 0)).isZero();
    assertThat(pacer.reserve(1, 0)).isEqualTo(SECOND / 10);
    assertThat(pacer.reserve(1, 0)).isEqualTo(2 * SECOND / 10);
  }

  @Test
  void aLargerReservationTakesALongerStretchOfTheTimeLine() {
    Pacer tokens = new Pacer(60_000, 0);

    assertThat(tokens.reserve(30_000, 0)).isZero();
    assertThat(tokens.reserve(100, 0)).isEqualTo(MINUTE / 2);
    assertThat(tokens.peek(0)).isEqualTo(MINUTE / 2 + MINUTE / 600);
  }

  @Test
  void idleTimeIsNotSavedUpForABurst() {
    Pacer pacer = new Pacer(60, 0);
    pacer.reserve(1, 0);

    long later = 10 * MINUTE;

    assertThat(pacer.reserve(1, later)).isZero();
    assertThat(pacer.reserve(1, later)).isEqualTo(SECOND);
  }

  @Test
  void settlingHandsBackWhatWasNotUsedAndChargesWhatWas() {
    Pacer tokens = new Pacer(6_000, 0);
    tokens.reserve(1_000, 0); // booked up to 10 s

    tokens.settle(-600, 0); // used 400 of the 1,000 estimated
    assertThat(tokens.peek(0)).isEqualTo(4 * SECOND);

    tokens.settle(200, 0); // another call used 200 more than its estimate
    assertThat(tokens.peek(0)).isEqualTo(6 * SECOND);
  }

  @Test
  void handingBackNeverMovesTheTimeLineBeforeNow() {
    Pacer tokens = new Pacer(6_000, 0);
    tokens.reserve(100, 0); // booked up to 1 s

    tokens.settle(-1_000, 0);

    assertThat(tokens.reserve(100, 0)).isZero();
  }

  @Test
  void aShareSlowsThePaceAndKeepsWhatIsBookedInUnits() {
    Pacer pacer = new Pacer(600, 0);
    pacer.reserve(1, 0);
    pacer.reserve(1, 0); // booked up to 0.2 s

    pacer.share(0.5, 0);

    assertThat(pacer.currentPerMinute()).isEqualTo(300);
    assertThat(pacer.peek(0)).isEqualTo(4 * SECOND / 10);
    assertThat(pacer.reserve(1, 0)).isEqualTo(4 * SECOND / 10);
    assertThat(pacer.peek(0)).isEqualTo(6 * SECOND / 10);
  }

  @Test
  void overAMinuteOfSteadyDemandLetsOutTheRateAndNoMore() {
    Pacer pacer = new Pacer(1_200, 0);
    int started = 0;
    // A caller that reserves whenever the last reservation has started: always some demand waiting.
    long now = 0;
    while (now < MINUTE) {
      long wait = pacer.reserve(1, now);
      now += wait;
      if (now < MINUTE) {
        started++;
      }
    }

    assertThat(started).isEqualTo(1_200);
  }

  @Test
  void aChargeAfterTheFactBooksAtMostAMinuteAheadHoweverLarge() {
    Pacer pacer = new Pacer(6_000, 0);

    for (int i = 0; i < 5; i++) {
      pacer.settle(Long.MAX_VALUE, 0);
    }
    long waitAfterCharges = pacer.peek(0);
    pacer.settle(Long.MIN_VALUE, 0);

    assertThat(waitAfterCharges).isEqualTo(MINUTE);
    assertThat(pacer.peek(0)).isZero();
    assertThat(pacer.reserve(1, 0)).isZero();
  }

  @Test
  void refusesARateBelowOneOrAShareOutsideZeroToOne() {
    assertThatThrownBy(() -> new Pacer(0, 0)).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> new Pacer(10, 0).share(1.5, 0)).hasMessageContaining("within 0..1");
  }
}
