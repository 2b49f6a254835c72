package dev.relayworker.streaming;

import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.protocol.StreamChunk;
import dev.relayworker.resilience.ChunkStream;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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

  private final ScheduledExecutorService thread;
  private final ChunkWriter writer;

  /**
   * @param linger the longest text waits for more before it is written
   * @param maxChars the text that is written at once, linger or not
   */
  public ChunkPublisher(Producer<byte[], byte[]> producer, Duration linger, int maxChars, StreamListener listener) {
    this.thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread writer = new Thread(runnable, "stream-chunks");
      writer.setDaemon(true);
      return writer;
    });
    this.writer = new ChunkWriter(producer, linger, maxChars, System::nanoTime, listener, (task, delayNanos) -> {
      try {
        thread.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException closed) {
        // Closing: the final replies are being published; what is left of a preview is dropped.
      }
    });
  }

  /** A publisher on a clock and timer of the caller's (tests). */
  ChunkPublisher(Producer<byte[], byte[]> producer, Duration linger, int maxChars, LongSupplier nanoTime,
      StreamListener listener, ChunkWriter.Timer timer) {
    this.thread = null;
    this.writer = new ChunkWriter(producer, linger, maxChars, nanoTime, listener, timer);
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
    if (thread != null) {
      thread.shutdown();
      try {
        thread.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      thread.shutdownNow();
    }
    writer.close();
  }
}
