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

  @Override
  public void retryScheduled(int failedAttempt, Duration wait, RelayException cause) {
    log.debug("attempt {} failed ({}); retrying in {} ms", failedAttempt, cause.getMessage(), wait.toMillis());
  }

  @Override
  public void relayPaused(Instant until) {
    log.info("relay asked for a pause; holding every call until {}", until);
  }
}
