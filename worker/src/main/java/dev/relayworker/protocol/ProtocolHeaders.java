package dev.relayworker.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Header names of the request/reply protocol, in one place. Requests may carry a deadline, a
 * request ID and the request/reply headers of Spring Kafka or SmallRye Reactive Messaging;
 * replies carry the request ID, the outcome and the echoed correlation ID.
 */
public final class ProtocolHeaders {

  /**
   * Request: the relay endpoint, {@code /v1/completions}, {@code /v1/chat/completions},
   * {@code /v1/embeddings} or {@code /v1/messages} ({@link dev.relayworker.relay.RelayApi}).
   * Without it, a body with {@code messages} goes to chat completions (or, with
   * {@link #ANTHROPIC_VERSION}, to Messages), one with {@code input} to embeddings.
   */
  public static final String ENDPOINT = "endpoint";
  /**
   * Request: present (any value), it marks a body with {@code messages} as Anthropic's Messages
   * format, sent to {@code /v1/messages}, as Anthropic's SDKs mark their requests.
   */
  public static final String ANTHROPIC_VERSION = "anthropic-version";
  /**
   * Request: {@code true} asks for the answer streamed, as {@code "stream": true} in the body does
   * (the body is then sent with it); anything else leaves the body to say.
   */
  public static final String RELAY_STREAM = "relay_stream";
  /** Chunk record: the relay attempt whose text it carries, a new ID for each attempt (ASCII hex). */
  public static final String STREAM_ATTEMPT = "stream_attempt";
  /** Chunk record: its place among its attempt's chunks, decimal from 0. */
  public static final String STREAM_INDEX = "stream_index";
  /** Chunk record: {@code true} on the last chunk of an attempt whose stream completed, else {@code false}. */
  public static final String STREAM_LAST = "stream_last";
  /** Request: absolute deadline, epoch milliseconds, as decimal text or an 8-byte big-endian long. */
  public static final String DEADLINE_MS = "deadline_ms";
  /**
   * Request and reply: the request ID (UTF-8). On a reply, an ID longer than
   * {@value #REQUEST_ID_MAX_BYTES} bytes is sent as {@code sha256:<64 hex digits>} of its UTF-8
   * form; the reply's key still carries the request's key unchanged.
   */
  public static final String REQUEST_ID = "request_id";
  public static final int REQUEST_ID_MAX_BYTES = 255;

  public static final String SPRING_CORRELATION_ID = "kafka_correlationId";
  public static final String SPRING_REPLY_TOPIC = "kafka_replyTopic";
  public static final String SPRING_REPLY_PARTITION = "kafka_replyPartition";
  public static final String SMALLRYE_CORRELATION_ID = "REPLY_CORRELATION_ID";
  public static final String SMALLRYE_REPLY_TOPIC = "REPLY_TOPIC";
  public static final String SMALLRYE_REPLY_PARTITION = "REPLY_PARTITION";

  /** Reply: {@value #STATUS_OK} or {@value #STATUS_ERROR}. */
  public static final String STATUS = "status";
  public static final String STATUS_OK = "ok";
  public static final String STATUS_ERROR = "error";
  /** Reply: the error type of an error reply, for Spring's replyErrorChecker and the like. */
  public static final String ERROR_TYPE = "error_type";
  /** Reply: the relay's HTTP status, when the relay answered. */
  public static final String HTTP_STATUS = "http_status";
  /** Reply: relay calls made for the request, as decimal text. */
  public static final String ATTEMPTS = "attempts";
  /** Reply: the relay's own request ID (X-Oneapi-Request-Id, or an error message's "(request id: X)"), when it sent one. */
  public static final String RELAY_REQUEST_ID = "relay_request_id";
  /** Ok reply: prompt tokens the relay counted ({@code usage.prompt_tokens}), decimal; absent when it sent no usage. */
  public static final String USAGE_PROMPT_TOKENS = "usage_prompt_tokens";
  /** Ok reply: completion tokens the relay counted ({@code usage.completion_tokens}), decimal. */
  public static final String USAGE_COMPLETION_TOKENS = "usage_completion_tokens";
  /** Ok reply, when the relay reported any: prompt tokens read from its cache ({@code prompt_tokens_details.cached_tokens}), part of the prompt's. */
  public static final String USAGE_CACHED_TOKENS = "usage_cached_tokens";
  /** Ok reply, when the relay reported any: completion tokens spent reasoning ({@code completion_tokens_details.reasoning_tokens}), part of the completion's. */
  public static final String USAGE_REASONING_TOKENS = "usage_reasoning_tokens";
  /** Ok reply: the call's price in quota, the relay's unit, decimal; absent when the model is unpriced. */
  public static final String COST_QUOTA = "cost_quota";
  /** Ok reply: the call's price in US dollars, a plain decimal such as {@code 0.000123}; absent when unpriced. */
  public static final String COST_USD = "cost_usd";
  /**
   * Request, optional: the route (or the group of a route) to send it through first, if that route
   * serves its model; other routes of the model follow as usual. A name no route of the model
   * answers to gets an {@code invalid_request_error} reply.
   * Ok reply: the group (分组) of the key that answered, whose ratio priced it.
   */
  public static final String RELAY_GROUP = "relay_group";
  /**
   * Request header naming the caller (the service that sent the request) for its spend caps and
   * the routes it may use; {@code request.caller.header} may name another header. Trusted as sent:
   * restrict who may write the request topic with Kafka ACLs.
   */
  public static final String RELAY_CALLER = "relay_caller";
  /** Ok reply: the name of the route that answered. */
  public static final String RELAY_ROUTE = "relay_route";

  /** Dead-letter copy: why the record was refused, and where it came from. */
  public static final String DLQ_REASON = "dlq_reason";
  public static final String DLQ_ERROR = "dlq_error";
  public static final String DLQ_ORIGINAL_TOPIC = "dlq_original_topic";
  public static final String DLQ_ORIGINAL_PARTITION = "dlq_original_partition";
  public static final String DLQ_ORIGINAL_OFFSET = "dlq_original_offset";
  /**
   * Dead-letter copy cut to fit its topic: what was cut ({@code value}, {@code headers},
   * {@code key}, comma-separated), the original sizes, and the original timestamp (a cut copy is
   * stamped when it is written, so a topic's timestamp rules cannot refuse it).
   */
  public static final String DLQ_TRUNCATED = "dlq_truncated";
  public static final String DLQ_ORIGINAL_VALUE_BYTES = "dlq_original_value_bytes";
  public static final String DLQ_ORIGINAL_KEY_BYTES = "dlq_original_key_bytes";
  public static final String DLQ_ORIGINAL_HEADERS = "dlq_original_headers";
  public static final String DLQ_ORIGINAL_TIMESTAMP = "dlq_original_timestamp";

  /**
   * Retry copy (a request moved to the retry topic after being parked too long): where the
   * request was first taken from, how often it moved, and the relay calls already made and charged
   * to its attempt budget. Its {@code deadline_ms} carries its original deadline.
   */
  public static final String RETRY_ORIGINAL_TOPIC = "retry_original_topic";
  public static final String RETRY_ORIGINAL_PARTITION = "retry_original_partition";
  public static final String RETRY_ORIGINAL_OFFSET = "retry_original_offset";
  public static final String RETRY_COUNT = "retry_count";
  public static final String RETRY_ATTEMPTS = "retry_attempts";
  public static final String RETRY_CHARGED = "retry_charged";
  /** The headers a retry copy adds, replaced at each move. */
  public static final Set<String> RETRY = Set.of(RETRY_ORIGINAL_TOPIC, RETRY_ORIGINAL_PARTITION,
      RETRY_ORIGINAL_OFFSET, RETRY_COUNT, RETRY_ATTEMPTS, RETRY_CHARGED);

  /** Every request header the worker reads; each is held to {@code request.max.header.bytes}. */
  public static final Set<String> READ = Set.of(ENDPOINT, ANTHROPIC_VERSION, RELAY_STREAM, DEADLINE_MS, REQUEST_ID, RELAY_GROUP, RELAY_CALLER, SPRING_CORRELATION_ID,
      SPRING_REPLY_TOPIC, SPRING_REPLY_PARTITION, SMALLRYE_CORRELATION_ID, SMALLRYE_REPLY_TOPIC,
      SMALLRYE_REPLY_PARTITION, RETRY_ORIGINAL_TOPIC, RETRY_ORIGINAL_PARTITION, RETRY_ORIGINAL_OFFSET, RETRY_COUNT,
      RETRY_ATTEMPTS, RETRY_CHARGED);

  /** Correlation headers, echoed byte for byte under the name they came in. */
  public static final Set<String> CORRELATION = Set.of(SPRING_CORRELATION_ID, SMALLRYE_CORRELATION_ID);
  /** Reply-routing headers, never copied onto a reply (SmallRye drops replies that carry them). */
  public static final Set<String> ROUTING = Set.of(SPRING_REPLY_TOPIC, SPRING_REPLY_PARTITION,
      SMALLRYE_REPLY_TOPIC, SMALLRYE_REPLY_PARTITION);

  private ProtocolHeaders() {}

  /** The last header {@code name} of a reply as UTF-8 text (every reply header is text), or null. */
  public static String text(ConsumerRecord<byte[], byte[]> record, String name) {
    return text(record.headers(), name);
  }

  /** The last header {@code name} as UTF-8 text, or null. */
  public static String text(Headers headers, String name) {
    Header header = headers.lastHeader(name);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
