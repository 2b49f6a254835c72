package dev.relayworker.resilience;

import dev.relayworker.relay.RelayException;
import dev.relayworker.relay.Usage;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs a route's relay decisions under the logger {@code dev.relayworker.relay}: what happens to
 * every call (retries, skips, fall-overs) at debug, since it is routine; what changes for all calls
 * (a pause, the key out or back) at info or warn, a key refused from the start at error; usage that
 * could not be believed at warn the 1st, 2nd, 4th, 8th... time, with the count, so a relay that
 * always lies cannot flood the log.
 *
 * <p>Thread-safe; any thread.
 */
public final class LoggingRelayListener implements RelayCallListener {

  private static final Logger log = LoggerFactory.getLogger("dev.relayworker.relay");

  private final String route;
  private final AtomicLong usageCorrections = new AtomicLong();

  /** @param route the route whose calls it logs */
  public LoggingRelayListener(String route) {
    this.route = route;
  }

  @Override
  public void retryScheduled(int failedAttempt, Duration wait, RelayException cause) {
    log.debug("route {}: attempt {} failed ({}); retrying in {} ms", route, failedAttempt, cause.getMessage(),
        wait.toMillis());
  }

  @Override
  public void usageCorrected(Usage reported, Usage used) {
    long count = usageCorrections.incrementAndGet();
    if (Long.bitCount(count) == 1) {
      log.warn("route {}: the relay claimed usage of {} prompt and {} completion tokens, which cannot be; counted as"
          + " {} and {} (relay.usage.max.tokens; {} such answers so far)", route, reported.promptTokens(),
          reported.completionTokens(), used.promptTokens(), used.completionTokens(), count);
    }
  }

  @Override
  public void relayPaused(String model, Instant until) {
    if (model == null) {
      log.info("route {}: relay asked for a pause of the key; holding every call of the route until {}", route, until);
    } else {
      log.info("route {}: relay asked for a pause for model {}; holding its calls on the route until {}", route,
          model, until);
    }
  }

  @Override
  public void keyOut(String why, boolean workedBefore, Duration probeInterval) {
    if (workedBefore) {
      log.warn("{}; holding its calls (other routes of a model take its requests, else they are parked) and"
          + " probing every {} ms", why, probeInterval.toMillis());
    } else {
      log.error("{}; holding its calls until the key works (check the route's key); probing every {} ms", why,
          probeInterval.toMillis());
    }
  }

  @Override
  public void keyStillOut(RelayException failure, Duration probeInterval) {
    log.info("route {}: relay key still refused ({}); next probe in {} ms", route, failure.getMessage(),
        probeInterval.toMillis());
  }

  @Override
  public void keyWorksAgain() {
    log.info("route {}: relay key works again: sending the parked requests", route);
  }

  @Override
  public void skipped(String model, RelayCalls.Readiness why) {
    log.debug("route {}: skipped for a request of model {} ({})", route, model, why.describe());
  }

  @Override
  public void movedOn(String nextRoute, CallFailedException failure) {
    log.debug("route {}: {} ({}); the request goes on to route {}", route, failure.getMessage(), failure.reason(),
        nextRoute);
  }
}
