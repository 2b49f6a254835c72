package dev.relayworker.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Copies of requests moved to the worker's retry topic, and what such a copy says when it comes
 * back. A copy is the request record as it came (key, value, headers), with its deadline as an
 * absolute {@code deadline_ms}, its request ID as a {@code request_id} header when the ID was not
 * its key (so the reply is keyed and tagged as the original's would have been), and the
 * {@code retry_*} headers ({@link ProtocolHeaders#RETRY}): origin, moves, attempts made and
 * charged. It is stamped when written.
 *
 * <p>Pure; thread-safe.
 */
public final class RetryCopies {

  /** Attempt counts read back from a copy are believed up to this; a larger one is a forgery. */
  private static final int MAX_ATTEMPTS = 1_000;

  private final String topic;

  public RetryCopies(String topic) {
    this.topic = topic;
  }

  public String topic() {
    return topic;
  }

  /**
   * The copy of {@code original} (request {@code requestId}) to the retry topic.
   *
   * @param deadlineEpochMillis the request's deadline on the wall clock
   * @param attempts relay calls made for it so far
   * @param charged attempts charged to its retry budget so far
   */
  public ProducerRecord<byte[], byte[]> copy(ConsumerRecord<byte[], byte[]> original, String requestId,
      long deadlineEpochMillis, int attempts, int charged) {
    ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(topic, null, original.key(), original.value());
    Headers headers = copy.headers();
    for (Header header : original.headers()) {
      if (!ProtocolHeaders.RETRY.contains(header.key()) && !header.key().equals(ProtocolHeaders.DEADLINE_MS)) {
        headers.add(header);
      }
    }
    if (original.key() == null && original.headers().lastHeader(ProtocolHeaders.REQUEST_ID) == null) {
      headers.add(ProtocolHeaders.REQUEST_ID, requestId.getBytes(StandardCharsets.UTF_8));
    }
    headers.add(ProtocolHeaders.DEADLINE_MS, ascii(Long.toString(deadlineEpochMillis)));
    boolean moved = text(original, ProtocolHeaders.RETRY_ORIGINAL_TOPIC).isPresent();
    headers.add(ProtocolHeaders.RETRY_ORIGINAL_TOPIC, moved ? original.headers()
        .lastHeader(ProtocolHeaders.RETRY_ORIGINAL_TOPIC).value() : original.topic().getBytes(StandardCharsets.UTF_8));
    headers.add(ProtocolHeaders.RETRY_ORIGINAL_PARTITION, moved ? original.headers()
        .lastHeader(ProtocolHeaders.RETRY_ORIGINAL_PARTITION).value() : ascii(Integer.toString(original.partition())));
    headers.add(ProtocolHeaders.RETRY_ORIGINAL_OFFSET, moved ? original.headers()
        .lastHeader(ProtocolHeaders.RETRY_ORIGINAL_OFFSET).value() : ascii(Long.toString(original.offset())));
    headers.add(ProtocolHeaders.RETRY_COUNT, ascii(Integer.toString(count(original, ProtocolHeaders.RETRY_COUNT) + 1)));
    headers.add(ProtocolHeaders.RETRY_ATTEMPTS, ascii(Integer.toString(attempts)));
    headers.add(ProtocolHeaders.RETRY_CHARGED, ascii(Integer.toString(charged)));
    return copy;
  }

  /** Relay calls a moved request had made before it was moved; 0 for a request taken first-hand. */
  public static int attemptsBefore(ConsumerRecord<byte[], byte[]> record) {
    return count(record, ProtocolHeaders.RETRY_ATTEMPTS);
  }

  /** Attempts a moved request had charged to its retry budget before it was moved; 0 otherwise. */
  public static int chargedBefore(ConsumerRecord<byte[], byte[]> record) {
    return count(record, ProtocolHeaders.RETRY_CHARGED);
  }

  private static int count(ConsumerRecord<byte[], byte[]> record, String header) {
    return text(record, header).map(value -> {
      try {
        return Math.max(0, Math.min(MAX_ATTEMPTS, Integer.parseInt(value.trim())));
      } catch (NumberFormatException e) {
        return 0;
      }
    }).orElse(0);
  }

  private static Optional<String> text(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null || header.value() == null ? Optional.empty()
        : Optional.of(new String(header.value(), StandardCharsets.UTF_8));
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
