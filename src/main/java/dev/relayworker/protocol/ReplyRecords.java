package dev.relayworker.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds the records the worker publishes: success and error replies, and dead-letter copies.
 * Replies carry {@code request_id}, {@code status}, {@code attempts}, {@code http_status} when
 * the relay answered, and each correlation header echoed byte for byte; never a reply-routing
 * header. Thread-safe.
 */
public final class ReplyRecords {

  private final ObjectMapper mapper = new ObjectMapper();
  private final String dlqTopic;

  public ReplyRecords(String dlqTopic) {
    this.dlqTopic = dlqTopic;
  }

  /**
   * A success reply.
   *
   * @param completion the relay's answer exactly as received
   * @param relayRequestId the relay's own request ID, or null
   */
  public ProducerRecord<byte[], byte[]> ok(String requestId, byte[] replyKey, ReplyRoute route, byte[] completion,
      int httpStatus, int attempts, String relayRequestId) {
    RecordHeaders headers = common(requestId, route, ProtocolHeaders.STATUS_OK, attempts);
    headers.add(ProtocolHeaders.HTTP_STATUS, ascii(Integer.toString(httpStatus)));
    if (relayRequestId != null) {
      headers.add(ProtocolHeaders.RELAY_REQUEST_ID, relayRequestId.getBytes(StandardCharsets.UTF_8));
    }
    return new ProducerRecord<>(route.topic(), route.partition(), replyKey, completion, headers);
  }

  /**
   * An error reply.
   *
   * @param httpStatus the relay's status, or 0 when the relay did not answer
   */
  public ProducerRecord<byte[], byte[]> error(String requestId, byte[] replyKey, ReplyRoute route, ReplyError error,
      int httpStatus, int attempts) {
    RecordHeaders headers = common(requestId, route, ProtocolHeaders.STATUS_ERROR, attempts);
    headers.add(ProtocolHeaders.ERROR_TYPE, ascii(error.type().wireName()));
    if (httpStatus > 0) {
      headers.add(ProtocolHeaders.HTTP_STATUS, ascii(Integer.toString(httpStatus)));
    }
    return new ProducerRecord<>(route.topic(), route.partition(), replyKey, errorBody(error), headers);
  }

  /** The refused record, unchanged, with headers saying why and where it came from. */
  public ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> original, String reason,
      String message) {
    RecordHeaders headers = new RecordHeaders();
    for (Header header : original.headers()) {
      headers.add(header);
    }
    headers.add(ProtocolHeaders.DLQ_REASON, ascii(reason));
    headers.add(ProtocolHeaders.DLQ_ERROR, message.getBytes(StandardCharsets.UTF_8));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_TOPIC, original.topic().getBytes(StandardCharsets.UTF_8));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_PARTITION, ascii(Integer.toString(original.partition())));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_OFFSET, ascii(Long.toString(original.offset())));
    return new ProducerRecord<>(dlqTopic, null, original.timestamp() >= 0 ? original.timestamp() : null,
        original.key(), original.value(), headers);
  }

  byte[] errorBody(ReplyError error) {
    ObjectNode root = mapper.createObjectNode();
    ObjectNode body = root.putObject("error");
    body.put("message", error.message());
    body.put("type", error.type().wireName());
    body.put("param", error.param());
    body.put("code", error.code());
    try {
      return mapper.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot encode an error reply", e);
    }
  }

  private static RecordHeaders common(String requestId, ReplyRoute route, String status, int attempts) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(ProtocolHeaders.REQUEST_ID, requestId.getBytes(StandardCharsets.UTF_8));
    headers.add(ProtocolHeaders.STATUS, ascii(status));
    headers.add(ProtocolHeaders.ATTEMPTS, ascii(Integer.toString(attempts)));
    for (Map.Entry<String, byte[]> correlation : route.correlation().entrySet()) {
      headers.add(correlation.getKey(), correlation.getValue());
    }
    return headers;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
