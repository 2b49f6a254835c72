package dev.relayworker.pipeline;

import dev.relayworker.relay.RelayException;
import dev.relayworker.relay.Usage;
import dev.relayworker.resilience.RelayCallListener;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs the relay path's decisions: retries at debug (they are routine), relay pauses at info,
 * usage that could not be believed at warn (the 1st, 2nd, 4th, 8th... time, with the count: a relay
 * that always lies must not flood the log).
 */
final class LoggingRelayListener implements RelayCallListener {

  private static final Logger log = LoggerFactory.getLogger("dev.relayworker.relay");

  private final String route;
  private final AtomicLong usageCorrections = new AtomicLong();

  /** @param route the route whose calls it logs */
  LoggingRelayListener(String route) {
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
  public void relayPaused(Instant until) {
    log.info("route {}: relay asked for a pause; holding every call of the route until {}", route, until);
  }
}
