package dev.relayworker.relay;

/**
 * Where a streamed attempt's text goes as it arrives ({@link RelayClient#send(RelayApi, byte[],
 * java.time.Duration, StreamSink)}).
 *
 * <p>Called on the transport's thread (the Netty event loop, or the JDK client's), in the order
 * the relay sent the text, only for a successful (2xx) answer; it must not block. An exception it
 * throws fails the attempt.
 */
@FunctionalInterface
public interface StreamSink {

  /** Text the relay added to one choice (or content block). */
  void delta(StreamAssembler.Delta delta);
}
