package dev.relayworker.resilience;

import dev.relayworker.relay.RelayException;
import dev.relayworker.relay.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Hears every decision the relay path makes about a route's calls, the one channel logs and
 * metrics hang off (as OkHttp's {@code EventListener}): retries, pauses, key outages, corrected
 * usage, attempts and permit waits from the route's {@link ResilientRelay}; skips and fall-overs
 * from the router choosing among routes. One listener per route; it knows the route's name.
 *
 * <p>Methods are called on relay HTTP, timer or poll threads, sometimes under a lock of the
 * caller: they must return quickly and must not throw.
 */
public interface RelayCallListener {

  RelayCallListener NONE = new RelayCallListener() {};

  /** A failed attempt will be tried again after {@code wait}. */
  default void retryScheduled(int failedAttempt, Duration wait, RelayException cause) {}

  /**
   * The relay asked for a pause (a 429): every call of {@code model} on the route waits until
   * {@code until}; every call of the route when {@code model} is null (the 429 throttles the key).
   */
  default void relayPaused(String model, Instant until) {}

  /** One HTTP attempt ended after {@code elapsed}; {@code httpStatus} is 0 when no answer came. */
  default void attemptFinished(Duration elapsed, int httpStatus) {}

  /** A call got its rate-limit permit after waiting {@code wait} (zero when one was free). */
  default void permitWaited(Duration wait) {}

  /** An answer's usage could not be believed ({@code reported}) and counts as {@code used} instead. */
  default void usageCorrected(Usage reported, Usage used) {}

  /**
   * The key is out ({@code why}: used up or refused): the route's calls are held and one probe goes
   * every {@code probeInterval}.
   *
   * @param workedBefore false when the relay refused the key before ever accepting it
   */
  default void keyOut(String why, boolean workedBefore, Duration probeInterval) {}

  /** A probe found the key still out; the next goes after {@code probeInterval}. */
  default void keyStillOut(RelayException failure, Duration probeInterval) {}

  /** The key works again: the route's held calls go. */
  default void keyWorksAgain() {}

  /** A request for {@code model} was not sent to this route, for {@code why}, while another could take it. */
  default void skipped(String model, RelayCalls.Readiness why) {}

  /** A request this route failed ({@code failure}, a failure of the route's own) goes on to {@code nextRoute}. */
  default void movedOn(String nextRoute, CallFailedException failure) {}

  /** A listener that tells each of {@code listeners}, in order. */
  static RelayCallListener all(RelayCallListener... listeners) {
    return new Composite(List.of(listeners));
  }

  /** Tells each of several listeners, in order. */
  final class Composite implements RelayCallListener {
    private final List<RelayCallListener> each;

    private Composite(List<RelayCallListener> each) {
      this.each = each;
    }

    @Override
    public void retryScheduled(int failedAttempt, Duration wait, RelayException cause) {
      each.forEach(listener -> listener.retryScheduled(failedAttempt, wait, cause));
    }

    @Override
    public void relayPaused(String model, Instant until) {
      each.forEach(listener -> listener.relayPaused(model, until));
    }

    @Override
    public void attemptFinished(Duration elapsed, int httpStatus) {
      each.forEach(listener -> listener.attemptFinished(elapsed, httpStatus));
    }

    @Override
    public void permitWaited(Duration wait) {
      each.forEach(listener -> listener.permitWaited(wait));
    }

    @Override
    public void usageCorrected(Usage reported, Usage used) {
      each.forEach(listener -> listener.usageCorrected(reported, used));
    }

    @Override
    public void keyOut(String why, boolean workedBefore, Duration probeInterval) {
      each.forEach(listener -> listener.keyOut(why, workedBefore, probeInterval));
    }

    @Override
    public void keyStillOut(RelayException failure, Duration probeInterval) {
      each.forEach(listener -> listener.keyStillOut(failure, probeInterval));
    }

    @Override
    public void keyWorksAgain() {
      each.forEach(RelayCallListener::keyWorksAgain);
    }

    @Override
    public void skipped(String model, RelayCalls.Readiness why) {
      each.forEach(listener -> listener.skipped(model, why));
    }

    @Override
    public void movedOn(String nextRoute, CallFailedException failure) {
      each.forEach(listener -> listener.movedOn(nextRoute, failure));
    }
  }
}
