package dev.relayworker.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The format of the share mode's answered topic ({@code share.answered.topic}): one record per
 * request record answered, written in the transaction of its reply. Key
 * {@code <topic>/<partition>/<offset>} of the request record (a topic name cannot hold a slash);
 * value {@code {"request_id":"...","outcome":"accept"|"reject"}}, reject for records refused as
 * invalid (their error reply and dead-letter copy were written). Pure; thread-safe.
 */
final class AnsweredRecords {

  /** What was done with a request record: answered, or refused as invalid. */
  enum Outcome {
    ACCEPT, REJECT
  }

  /** One answered record read back: the request record's partition and offset, and its outcome. */
  record Answered(TopicPartition partition, long offset, Outcome outcome) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String topic;

  AnsweredRecords(String topic) {
    this.topic = topic;
  }

  String topic() {
    return topic;
  }

  /** The record saying that {@code pending} was answered (or refused, when it was no valid request). */
  ProducerRecord<byte[], byte[]> of(PendingRequest pending) {
    String key = pending.record.topic() + "/" + pending.record.partition() + "/" + pending.record.offset();
    ObjectNode value = JSON.createObjectNode();
    value.put("request_id", pending.requestId);
    value.put("outcome", (pending.request == null ? Outcome.REJECT : Outcome.ACCEPT).name().toLowerCase());
    return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8),
        value.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The answered record {@code key} and {@code value} hold; empty when they are not one (written by someone else). */
  static Optional<Answered> parse(byte[] key, byte[] value) {
    if (key == null || value == null) {
      return Optional.empty();
    }
    String text = new String(key, StandardCharsets.UTF_8);
    int last = text.lastIndexOf('/');
    int middle = last <= 0 ? -1 : text.lastIndexOf('/', last - 1);
    if (middle <= 0) {
      return Optional.empty();
    }
    try {
      int partition = Integer.parseInt(text.substring(middle + 1, last));
      long offset = Long.parseLong(text.substring(last + 1));
      JsonNode outcome = JSON.readTree(value).path("outcome");
      if (partition < 0 || offset < 0 || !outcome.isTextual()) {
        return Optional.empty();
      }
      Outcome read = "reject".equals(outcome.asText()) ? Outcome.REJECT
          : "accept".equals(outcome.asText()) ? Outcome.ACCEPT : null;
      return read == null ? Optional.empty()
          : Optional.of(new Answered(new TopicPartition(text.substring(0, middle), partition), offset, read));
    } catch (NumberFormatException | java.io.IOException e) {
      return Optional.empty();
    }
  }
}
