package dev.relayworker.relay;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One attempt at {@code POST /v1/completions}: no retries, no limits. {@link HttpRelayClient}
 * is the real one; the resilience layer wraps any implementation.
 */
public interface RelayClient extends AutoCloseable {

  /**
   * Sends the body unchanged and completes with the relay's completion, or exceptionally with a
   * {@link RelayException} that says whether trying again could help. Never throws; never blocks
   * the caller.
   *
   * @param body the JSON request body, passed through byte for byte
   * @param timeout the most this attempt may take, answer included
   */
  CompletableFuture<Completion> send(byte[] body, Duration timeout);

  @Override
  void close();
}
