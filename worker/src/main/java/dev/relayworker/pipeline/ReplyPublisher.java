package dev.relayworker.pipeline;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The at-least-once delivery's producer, and the only code that calls it (the exactly-once
 * delivery keeps its own, for transactions). Sends run on one {@code reply-publisher} thread:
 * {@code send()} can block (metadata of a reply topic not seen before, a full buffer) and the
 * poll thread must never wait on it.
 *
 * <p>Threads: {@link #publish} from any thread; callbacks run on the producer's I/O thread, or on
 * the publisher thread when {@code send()} itself throws. Every published record gets exactly one
 * callback.
 */
final class ReplyPublisher implements AutoCloseable {

  private final Producer<byte[], byte[]> producer;
  private final ExecutorService sender = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "reply-publisher");
    thread.setDaemon(true);
    return thread;
  });

  ReplyPublisher(Producer<byte[], byte[]> producer) {
    this.producer = producer;
  }

  void publish(ProducerRecord<byte[], byte[]> record, Callback callback) {
    sender.execute(() -> {
      try {
        producer.send(record, callback);
      } catch (RuntimeException e) {
        callback.onCompletion(null, e);
      }
    });
  }

  /** Sends what is queued, waits for acknowledgements up to {@code timeout}, then closes the producer. */
  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  void close(Duration timeout) {
    sender.shutdown();
    try {
      sender.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    producer.close(timeout);
  }
}
