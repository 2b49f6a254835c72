package dev.relayworker.streaming;

import dev.relayworker.protocol.StreamChunk;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes chunk records with a producer of its own, on its timer's one thread, in the order they
 * fall due, so a request's chunks reach its partition in the order the relay sent
 * the text. A chunk that cannot be written is counted and logged, never retried: chunks are a
 * preview, the final reply is the answer.
 *
 * <p>Threads: {@link #schedule} from any thread, never blocking; writes on the timer's thread.
 */
final class ChunkWriter implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ChunkWriter.class);

  private final Producer<byte[], byte[]> producer;
  private final long lingerNanos;
  private final int maxChars;
  private final LongSupplier nanoTime;
  private final StreamListener listener;
  private final Timer timer;

  /** Runs tasks one at a time, in the order they fall due; the worker's is one scheduled thread. */
  interface Timer {
    /** Runs {@code task} after {@code delayNanos}; may drop it once closing. */
    void schedule(Runnable task, long delayNanos);
  }

  ChunkWriter(Producer<byte[], byte[]> producer, Duration linger, int maxChars, LongSupplier nanoTime,
      StreamListener listener, Timer timer) {
    this.producer = producer;
    this.timer = timer;
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

  /** Runs {@code flush} on the writer thread after {@code delayNanos}. */
  void schedule(Runnable flush, long delayNanos) {
    timer.schedule(flush, Math.max(0, delayNanos));
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

  /** Closes the producer, waiting up to 5 s for chunks sent and not yet acknowledged. */
  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
  }
}
