package dev.relayworker.pipeline;

import dev.relayworker.relay.RelayException;
import dev.relayworker.resilience.RelayCallListener;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs the relay path's decisions: retries at debug (they are routine), relay pauses at info. */
final class LoggingRelayListener implements RelayCallListener {

  private static final Logger log = LoggerFactory.getLogger("dev.relayworker.relay");

  private final String route;

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
  public void relayPaused(Instant until) {
    log.info("route {}: relay asked for a pause; holding every call of the route until {}", route, until);
  }
}
