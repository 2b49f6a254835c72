package dev.relayworker.relay;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One attempt at {@code POST /v1/completions} or {@code /v1/chat/completions} ({@link RelayApi}):
 * no retries, no limits. {@link NettyRelayClient} and {@link JdkRelayClient} are the real ones;
 * the resilience layer wraps any implementation.
 */
public interface RelayClient extends AutoCloseable {

  /**
   * Sends the body unchanged and completes with the relay's completion, or exceptionally with a
   * {@link RelayException} that says whether trying again could help. Never throws; never blocks
   * the caller.
   *
   * @param api the endpoint to call; its answer must carry that endpoint's {@code object}
   * @param body the JSON request body, passed through byte for byte
   * @param timeout the most this attempt may take, answer included
   */
  default CompletableFuture<Completion> send(RelayApi api, byte[] body, Duration timeout) {
    return send(api, body, timeout, null);
  }

  /**
   * As {@link #send(RelayApi, byte[], Duration)}, for a request that asks for a stream
   * ({@code stream: true}) when {@code sink} is not null: a successful answer is read as
   * server-sent events, each piece of text handed to {@code sink} as it arrives, and completes
   * with the whole answer assembled from them ({@link StreamAssembler}), as a non-stream request
   * would have got it. The answer's bytes are bounded as any answer's are.
   */
  CompletableFuture<Completion> send(RelayApi api, byte[] body, Duration timeout, StreamSink sink);

  /** Sends to the legacy completions endpoint ({@link #send(RelayApi, byte[], Duration)}). */
  default CompletableFuture<Completion> send(byte[] body, Duration timeout) {
    return send(RelayApi.COMPLETIONS, body, timeout);
  }

  @Override
  void close();
}
