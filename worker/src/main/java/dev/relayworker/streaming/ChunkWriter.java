package dev.relayworker.streaming;

import dev.relayworker.protocol.StreamChunk;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes chunk records with a producer of its own, on its one {@code stream-chunks} thread, in the
 * order they are scheduled, so a request's chunks reach its partition in the order the relay sent
 * the text. A chunk that cannot be written is counted and logged, never retried: chunks are a
 * preview, the final reply is the answer.
 *
 * <p>Threads: {@link #schedule} from any thread, never blocking; writes on the writer thread.
 */
final class ChunkWriter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ChunkWriter.class);

  private final Producer<byte[], byte[]> producer;
  private final long lingerNanos;
  private final int maxChars;
  private final LongSupplier nanoTime;
  private final StreamListener listener;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread writer = new Thread(runnable, "stream-chunks");
    writer.setDaemon(true);
    return writer;
  });

  ChunkWriter(Producer<byte[], byte[]> producer, Duration linger, int maxChars, LongSupplier nanoTime,
      StreamListener listener) {
    this.producer = producer;
    this.lingerNanos = linger.toNanos();
    this.maxChars = maxChars;
    this.nanoTime = nanoTime;
    this.listener = listener;
  }

  long now() {
    return nanoTime.getAsLong();
  }

  /** The longest text waits for more after the previous chunk. */
  long lingerNanos() {
    return lingerNanos;
  }

  /** The text that is written at once, linger or not. */
  int maxChars() {
    return maxChars;
  }

  StreamListener listener() {
    return listener;
  }

  /** Runs {@code flush} on the writer thread after {@code delayNanos}; dropped once closed. */
  void schedule(Runnable flush, long delayNanos) {
    try {
      thread.schedule(flush, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      // Closing: the final replies are being published; what is left of a preview is dropped.
    }
  }

  /** Writes one chunk; on the writer thread. */
  void write(ChunkDestination destination, StreamChunk chunk) {
    boolean first = destination.takeFirst();
    try {
      producer.send(chunk.toRecord(destination.topic(), destination.key(), destination.address()), (metadata, failure) -> {
        if (failure == null) {
          listener.chunkWritten();
          if (first) {
            listener.firstChunk(Duration.ofNanos(now() - destination.startNanos()));
          }
        } else {
          failed(destination, failure);
        }
      });
    } catch (RuntimeException e) {
      failed(destination, e);
    }
  }

  private void failed(ChunkDestination destination, Exception failure) {
    listener.chunkFailed();
    log.atWarn().addKeyValue("requestId", destination.requestId())
        .log("request {}: a chunk of its stream could not be written to {}: {}", destination.requestId(),
            destination.topic(), failure.toString());
  }

  /** Writes what is due now, then closes the producer. */
  @Override
  public void close() {
    thread.shutdown();
    try {
      thread.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    thread.shutdownNow();
    producer.close(Duration.ofSeconds(5));
  }
}
