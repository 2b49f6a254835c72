package dev.relayworker.resilience;

import dev.relayworker.relay.FailureClassifier;
import dev.relayworker.relay.RelayException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether the relay accepts the worker's key. A used-up or refused key
 * ({@link FailureClassifier#isKeyOutage}) is an outage of the key, not a failure of each request:
 * calls are held ({@link Hold.Cause#KEY}) and one probe a {@code relay.key.probe.interval.ms}
 * learns whether the key works again (topped up, re-enabled). A key refused as unknown (401)
 * before the relay ever accepted it (no answer yet, nor any final answer about a request or the
 * key's quota, which the relays give only after finding the key) is reported as such: the worker
 * was started with a key the relay does not take.
 *
 * <p>Outages, probes that failed and the key working again are told to the {@link RelayCallListener}
 * (under this object's lock: the listener must return quickly).
 *
 * <p>Thread-safe: while the key works, every method is a volatile read; while it is out, short
 * and synchronized. Called from relay threads and, for {@link #hold}, from the poll and admin threads.
 */
final class KeyHealth {

  /** What {@link #admit} lets a call do. */
  enum Admission {
    /** The key works: go. */
    GO,
    /** The key is out and this call is the probe: go, and report back. */
    PROBE,
    /** The key is out: do not send. */
    HOLD
  }

  private final String route;
  private final KeyFailureMode mode;
  private final Duration probeInterval;
  private final Clock clock;
  private final RelayCallListener listener;
  // Volatile so that the path of every call (the key works) reads them without taking the lock.
  private volatile boolean worked;
  /** Counts outages: a call sent before the current one began says nothing about the key now. */
  private volatile int outages;
  private volatile String outage;
  private Instant nextProbe;
  private boolean probing;

  /**
   * @param route the route whose key it watches, named in its hold reasons
   * @param listener hears outages, failed probes and the key working again
   */
  KeyHealth(String route, KeyFailureMode mode, Duration probeInterval, Clock clock, RelayCallListener listener) {
    this.route = route;
    this.mode = mode;
    this.probeInterval = probeInterval;
    this.clock = clock;
    this.listener = listener;
  }

  /** Whether a call may go now; claims the probe when one is due. */
  Admission admit() {
    return outage == null ? Admission.GO : admitWhileOut();
  }

  private synchronized Admission admitWhileOut() {
    if (outage == null) {
      return Admission.GO;
    }
    if (!probing && !clock.instant().isBefore(nextProbe)) {
      probing = true;
      return Admission.PROBE;
    }
    return Admission.HOLD;
  }

  /** Which outage a call is sent under; pass it back to {@link #succeeded}. */
  int epoch() {
    return outages;
  }

  /**
   * A call was answered: the key works, unless the call was sent before the current outage began
   * (admitted while quota was left, answered after it ran out), which tells nothing about now.
   */
  void succeeded(int sentUnder) {
    if (worked && outage == null) {
      return;
    }
    endOutage(sentUnder);
  }

  private synchronized void endOutage(int sentUnder) {
    worked = true;
    if (outage == null || sentUnder != outages) {
      return;
    }
    outage = null;
    listener.keyWorksAgain();
    probing = false;
  }

  /**
   * A call failed; decides whether the failure is the key's outage, to be waited out.
   *
   * @return true when the call should be held, not answered
   */
  synchronized boolean failed(RelayException failure, boolean probe) {
    if (probe) {
      probing = false;
    }
    boolean keyOutage = FailureClassifier.isKeyOutage(failure.httpStatus(), failure.error());
    // The relays check the key first: a final answer about the request (400, a model the group
    // lacks, no channel) or about the key's quota (402, 403) means the key was found; only a 401 does not.
    if (failure.httpStatus() > 0 && !failure.isTransient() && failure.httpStatus() != 401) {
      worked = true;
    }
    if (!keyOutage) {
      return false;
    }
    if (mode == KeyFailureMode.FAIL && worked) {
      return false;
    }
    Instant now = clock.instant();
    if (outage == null) {
      outages++;
      outage = "route " + route + ": " + (worked ? "relay refused the key: " : "relay refused the key at the first call: ")
          + failure.getMessage();
      nextProbe = now.plus(probeInterval);
      listener.keyOut(outage, worked, probeInterval);
    } else if (probe) {
      nextProbe = now.plus(probeInterval);
      listener.keyStillOut(failure, probeInterval);
    }
    return true;
  }

  /** A probe ended without telling about the key (a transient failure, a deadline): another may go. */
  synchronized void probeInconclusive() {
    probing = false;
  }

  /** The hold while the key is out, or null. */
  Hold hold() {
    return outage == null ? null : holdWhileOut();
  }

  private synchronized Hold holdWhileOut() {
    return outage == null ? null : new Hold(Hold.Cause.KEY, outage, nextProbe);
  }

  /** Whether the next probe may go now (the key is out, no probe is on its way, the interval passed). */
  boolean probeDue() {
    return outage != null && probeDueWhileOut();
  }

  private synchronized boolean probeDueWhileOut() {
    return outage != null && !probing && !clock.instant().isBefore(nextProbe);
  }
}
