package dev.relayworker.protocol;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.cost.CallCost;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Builds the records the worker publishes: success and error replies, and dead-letter copies.
 * Replies carry {@code request_id} (hashed past {@value ProtocolHeaders#REQUEST_ID_MAX_BYTES}
 * bytes), {@code status}, {@code attempts}, {@code http_status} and {@code relay_request_id} when
 * the relay answered, usage and cost on ok replies ({@code usage_prompt_tokens},
 * {@code usage_completion_tokens}, {@code usage_cached_tokens} and {@code usage_reasoning_tokens}
 * when reported, {@code cost_quota}, {@code cost_usd}, {@code relay_group}), and each
 * correlation header echoed byte for byte; never a reply-routing header. Texts that come from
 * elsewhere (error messages) are cut to {@value #MAX_TEXT_CHARS} characters. Thread-safe.
 */
public final class ReplyRecords {

  static final int MAX_TEXT_CHARS = 1_000;
  /** Cut for short texts the relay or the price table names: its request ID, the key's group. */
  private static final int MAX_RELAY_NAME_CHARS = 200;

  private final ObjectMapper mapper = new ObjectMapper();
  private final String dlqTopic;

  public ReplyRecords(String dlqTopic) {
    this.dlqTopic = dlqTopic;
  }

  public String dlqTopic() {
    return dlqTopic;
  }

  /**
   * A success reply of a relay without routes.
   *
   * @param completion the relay's answer exactly as received
   * @param relayRequestId the relay's own request ID, or null
   * @param cost what the answer cost by its usage, or null when the relay sent no usage
   */
  public ProducerRecord<byte[], byte[]> ok(String requestId, byte[] replyKey, ReplyAddress address, byte[] completion,
      int httpStatus, int attempts, String relayRequestId, CallCost cost) {
    return ok(requestId, replyKey, address, completion, httpStatus, attempts, relayRequestId, cost, null, null);
  }

  /**
   * A success reply.
   *
   * @param completion the relay's answer exactly as received
   * @param relayRequestId the relay's own request ID, or null
   * @param cost what the answer cost by its usage, or null when the relay sent no usage
   * @param relayRoute the name of the route that answered, or null
   * @param relayGroup the group of the key that answered, or null for the cost's
   */
  public ProducerRecord<byte[], byte[]> ok(String requestId, byte[] replyKey, ReplyAddress address, byte[] completion,
      int httpStatus, int attempts, String relayRequestId, CallCost cost, String relayRoute, String relayGroup) {
    ProducerRecord<byte[], byte[]> reply = new ProducerRecord<>(address.topic(), address.partition(), replyKey, completion);
    Headers headers = common(reply.headers(), requestId, address, ProtocolHeaders.STATUS_OK, attempts);
    headers.add(ProtocolHeaders.HTTP_STATUS, ascii(Integer.toString(httpStatus)));
    relayRequestId(headers, relayRequestId);
    if (cost != null) {
      headers.add(ProtocolHeaders.USAGE_PROMPT_TOKENS, ascii(Long.toString(cost.promptTokens())));
      headers.add(ProtocolHeaders.USAGE_COMPLETION_TOKENS, ascii(Long.toString(cost.completionTokens())));
      // Present only when the relay reported them: absent means not reported, not zero.
      if (cost.cachedTokens() > 0) {
        headers.add(ProtocolHeaders.USAGE_CACHED_TOKENS, ascii(Long.toString(cost.cachedTokens())));
      }
      if (cost.reasoningTokens() > 0) {
        headers.add(ProtocolHeaders.USAGE_REASONING_TOKENS, ascii(Long.toString(cost.reasoningTokens())));
      }
      if (cost.priced()) {
        headers.add(ProtocolHeaders.COST_QUOTA, ascii(Long.toString(cost.quota())));
        headers.add(ProtocolHeaders.COST_USD, ascii(cost.usd().toPlainString()));
      }
    }
    String group = relayGroup != null ? relayGroup : cost == null ? null : cost.group();
    if (group != null) {
      headers.add(ProtocolHeaders.RELAY_GROUP, utf8(cut(group, MAX_RELAY_NAME_CHARS)));
    }
    if (relayRoute != null) {
      headers.add(ProtocolHeaders.RELAY_ROUTE, utf8(cut(relayRoute, MAX_RELAY_NAME_CHARS)));
    }
    return reply;
  }

  private static void relayRequestId(Headers headers, String relayRequestId) {
    if (relayRequestId != null) {
      headers.add(ProtocolHeaders.RELAY_REQUEST_ID, utf8(cut(relayRequestId, MAX_RELAY_NAME_CHARS)));
    }
  }

  /**
   * An error reply.
   *
   * @param httpStatus the relay's status, or 0 when the relay did not answer
   */
  public ProducerRecord<byte[], byte[]> error(String requestId, byte[] replyKey, ReplyAddress address, ReplyError error,
      int httpStatus, int attempts) {
    return error(requestId, replyKey, address, error, httpStatus, attempts, null);
  }

  /**
   * An error reply naming the relay's own ID of the failed call.
   *
   * @param relayRequestId the relay's request ID of the last attempt, or null
   */
  public ProducerRecord<byte[], byte[]> error(String requestId, byte[] replyKey, ReplyAddress address, ReplyError error,
      int httpStatus, int attempts, String relayRequestId) {
    ProducerRecord<byte[], byte[]> reply = new ProducerRecord<>(address.topic(), address.partition(), replyKey,
        errorBody(error));
    Headers headers = common(reply.headers(), requestId, address, ProtocolHeaders.STATUS_ERROR, attempts);
    headers.add(ProtocolHeaders.ERROR_TYPE, ascii(error.type().wireName()));
    if (httpStatus > 0) {
      headers.add(ProtocolHeaders.HTTP_STATUS, ascii(Integer.toString(httpStatus)));
    }
    relayRequestId(headers, relayRequestId);
    return reply;
  }

  /** The refused record, unchanged, with headers saying why and where it came from. */
  public ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> original, String reason,
      String message) {
    ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(dlqTopic, null,
        original.timestamp() >= 0 ? original.timestamp() : null, original.key(), original.value());
    for (Header header : original.headers()) {
      copy.headers().add(header);
    }
    origin(copy.headers(), original, reason, message);
    return copy;
  }

  /**
   * The dead-letter copy cut to at most {@code maxBytes} ({@link RecordSize}): the value
   * truncated first, then the original headers dropped, then the key truncated, with headers
   * saying what was cut and the original sizes. Stamped now rather than with the original
   * timestamp, which is kept in a header.
   *
   * @return the cut copy, or null when even its own headers do not fit in {@code maxBytes}
   */
  public ProducerRecord<byte[], byte[]> deadLetterCut(ConsumerRecord<byte[], byte[]> original, String reason,
      String message, int maxBytes) {
    List<Header> kept = Arrays.asList(original.headers().toArray());
    byte[] key = original.key();
    List<String> cut = new ArrayList<>(List.of("value"));
    if (withoutValue(original, reason, message, kept, key, cut) > maxBytes) {
      kept = List.of();
      cut.add("headers");
    }
    if (key != null && withoutValue(original, reason, message, kept, key, cut) > maxBytes) {
      key = new byte[0];
      cut.add("key");
    }
    int room = maxBytes - withoutValue(original, reason, message, kept, key, cut);
    if (room < 0) {
      return null;
    }
    if (cut.contains("key")) {
      key = Arrays.copyOf(original.key(), Math.min(original.key().length, room));
      room -= key.length;
    }
    byte[] value = original.value();
    if (value == null || value.length <= room) {
      cut.remove("value");
    } else {
      value = Arrays.copyOf(value, room);
    }
    return cutCopy(original, reason, message, kept, cut, key, value);
  }

  /** Size of the cut copy with an empty value: what is left of {@code maxBytes} is room for the value. */
  private int withoutValue(ConsumerRecord<byte[], byte[]> original, String reason, String message, List<Header> kept,
      byte[] key, List<String> cut) {
    return RecordSize.of(cutCopy(original, reason, message, kept, cut, key, new byte[0]));
  }

  private ProducerRecord<byte[], byte[]> cutCopy(ConsumerRecord<byte[], byte[]> original, String reason,
      String message, List<Header> kept, List<String> cut, byte[] key, byte[] value) {
    ProducerRecord<byte[], byte[]> copy = new ProducerRecord<>(dlqTopic, null, null, key, value);
    Headers headers = copy.headers();
    kept.forEach(headers::add);
    origin(headers, original, reason, message);
    headers.add(ProtocolHeaders.DLQ_TRUNCATED, ascii(String.join(",", cut)));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_VALUE_BYTES,
        ascii(Integer.toString(original.value() == null ? -1 : original.value().length)));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_KEY_BYTES,
        ascii(Integer.toString(original.key() == null ? -1 : original.key().length)));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_HEADERS, ascii(Integer.toString(original.headers().toArray().length)));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_TIMESTAMP, ascii(Long.toString(original.timestamp())));
    return copy;
  }

  private static void origin(Headers headers, ConsumerRecord<byte[], byte[]> original, String reason,
      String message) {
    headers.add(ProtocolHeaders.DLQ_REASON, ascii(reason));
    headers.add(ProtocolHeaders.DLQ_ERROR, utf8(cut(message, MAX_TEXT_CHARS)));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_TOPIC, utf8(original.topic()));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_PARTITION, ascii(Integer.toString(original.partition())));
    headers.add(ProtocolHeaders.DLQ_ORIGINAL_OFFSET, ascii(Long.toString(original.offset())));
  }

  byte[] errorBody(ReplyError error) {
    ObjectNode root = mapper.createObjectNode();
    ObjectNode body = root.putObject("error");
    body.put("message", cut(error.message(), MAX_TEXT_CHARS));
    body.put("type", error.type().wireName());
    body.put("param", error.param());
    body.put("code", error.code());
    try {
      return mapper.writeValueAsBytes(root);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot encode an error reply", e);
    }
  }

  /** The {@code request_id} header value: the ID itself, or its SHA-256 when it is too long to echo. */
  public static byte[] requestIdHeader(String requestId) {
    byte[] id = utf8(requestId);
    if (id.length <= ProtocolHeaders.REQUEST_ID_MAX_BYTES) {
      return id;
    }
    try {
      return ascii("sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(id)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static Headers common(Headers headers, String requestId, ReplyAddress address, String status, int attempts) {
    headers.add(ProtocolHeaders.REQUEST_ID, requestIdHeader(requestId));
    headers.add(ProtocolHeaders.STATUS, ascii(status));
    headers.add(ProtocolHeaders.ATTEMPTS, ascii(Integer.toString(attempts)));
    for (Map.Entry<String, byte[]> correlation : address.correlation().entrySet()) {
      headers.add(correlation.getKey(), correlation.getValue());
    }
    return headers;
  }

  private static String cut(String text, int maxChars) {
    if (text == null || text.length() <= maxChars) {
      return text;
    }
    return text.substring(0, maxChars) + "... (" + text.length() + " characters)";
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
