package dev.relayworker.streaming;

import dev.relayworker.protocol.ReplyAddress;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Where one request's chunk records go, and whether its first one has been written yet (every
 * attempt's chunks count: the first text its reader sees). Thread-safe.
 *
 * @param requestId the request the chunks answer
 * @param key the key of every chunk record: the request's reply key
 * @param topic the stream topic
 * @param address the request's reply address, whose correlation headers chunks echo
 * @param startNanos when the request was sent on to the relay, on the publisher's clock
 */
record ChunkDestination(String requestId, byte[] key, String topic, ReplyAddress address, long startNanos,
    AtomicBoolean firstWritten) {

  ChunkDestination(String requestId, byte[] key, String topic, ReplyAddress address, long startNanos) {
    this(requestId, key, topic, address, startNanos, new AtomicBoolean());
  }

  /** True the first time it is asked: the chunk being written is the request's first. */
  boolean takeFirst() {
    return firstWritten.compareAndSet(false, true);
  }
}
