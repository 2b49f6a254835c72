package dev.relayworker.streaming;

import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.protocol.StreamChunk;
import dev.relayworker.resilience.ChunkStream;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;

/**
 * Publishes the text of streamed answers as chunk records ({@link StreamChunk}) with a producer
 * of its own: idempotent and not transactional, so that {@code read_committed} readers see each
 * chunk as soon as it is written, not at the reply's commit.
 *
 * <p>Coalescing: an attempt's first text goes at once; later text is gathered for up to
 * {@code linger} after the previous chunk, or until {@code maxChars} characters wait, so a fast
 * stream does not make one record per token.
 *
 * <p>Threads: {@link #open} from any thread; chunks are written on one {@code stream-chunks}
 * thread ({@link ChunkWriter}). Nothing here blocks the transport's threads.
 */
public final class ChunkPublisher implements AutoCloseable {

  private final ChunkWriter writer;

  /**
   * @param linger the longest text waits for more before it is written
   * @param maxChars the text that is written at once, linger or not
   * @param nanoTime the clock coalescing and first-chunk times are measured on
   */
  public ChunkPublisher(Producer<byte[], byte[]> producer, Duration linger, int maxChars, LongSupplier nanoTime,
      StreamListener listener) {
    this.writer = new ChunkWriter(producer, linger, maxChars, nanoTime, listener);
  }

  /**
   * A stream for one request whose chunks go to {@code topic}, keyed {@code key} and carrying
   * {@code address}'s correlation headers; its first-chunk time counts from now.
   */
  public ChunkStream open(String requestId, byte[] key, String topic, ReplyAddress address) {
    return new RequestStream(writer, new ChunkDestination(requestId, key, topic, address, writer.now()));
  }

  /** Writes what is due now, then closes the producer. */
  @Override
  public void close() {
    writer.close();
  }
}
