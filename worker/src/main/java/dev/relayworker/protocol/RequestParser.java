package dev.relayworker.protocol;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.cost.TokenEstimate;
import dev.relayworker.cost.TokenEstimator;
import dev.relayworker.relay.RelayApi;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Turns a consumed record into a {@link CompletionRequest}, or into a refusal that names the
 * problem: a null, empty, oversized or non-JSON value, a body without a usable {@code model} or
 * {@code prompt}, a request over the cost limits ({@link CostLimits}), a badly encoded header, a
 * reply topic outside the allow-list. Body fields are read as the relay reads them
 * ({@link RelayFields}: keys case-insensitive, the last one winning), and deadlines are cut to
 * {@code request.max.deadline.ms}.
 *
 * <p>Pure apart from reading the record; thread-safe. Never throws on any input.
 */
public final class RequestParser {

  /** Route and group names are short; a longer header is a mistake, and would be echoed in the error. */
  private static final int MAX_GROUP_CHARS = 100;

  private final RequestRules rules;
  private final RequestDeadline deadlines;
  /** Null when no token limit is set: counting costs CPU on the poll thread, so only when it is needed. */
  private final TokenEstimator tokenEstimator;
  // Floats as BigDecimal, so a body re-written to add the default model keeps its numbers exactly.
  private final ObjectMapper mapper = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);

  public RequestParser(RequestRules rules) {
    this.rules = rules;
    this.deadlines = new RequestDeadline(rules.ttl(), rules.maxDeadline());
    this.tokenEstimator = rules.tokensPerMinute() > 0 ? new TokenEstimator() : null;
  }

  /** Parses {@code record} on one clock: its deadline on the same clock as {@code now}. */
  public ParsedRecord parse(ConsumerRecord<byte[], byte[]> record, Instant now) {
    return parse(record, now, now);
  }

  /**
   * Parses {@code record}. Its deadline (from its timestamp and {@code deadline_ms}, both wall-clock
   * times) becomes a span from {@code wallNow}, at most {@code request.max.deadline.ms}, laid on the
   * worker's own clock from {@code now}: a clock stepped later cannot move a request's deadline.
   *
   * @param wallNow the wall clock's time, which record timestamps and {@code deadline_ms} are read on
   * @param now the worker's clock's time ({@code MonotonicClock}), which the deadline is returned on
   */
  public ParsedRecord parse(ConsumerRecord<byte[], byte[]> record, Instant wallNow, Instant now) {
    Map<String, byte[]> correlation = correlation(record);
    String requestId;
    try {
      checkHeaderSizes(record);
      requestId = requestId(record, correlation);
    } catch (Refusal refusal) {
      String fallbackId = record.topic() + "-" + record.partition() + "-" + record.offset();
      return invalid(record, fallbackId, ReplyAddress.defaultTopic(rules.defaultReplyTopic(), correlation), refusal);
    }
    ReplyAddress address = ReplyAddress.defaultTopic(rules.defaultReplyTopic(), correlation);
    try {
      address = address(record, correlation);
      Instant deadline = deadline(record, wallNow, now);
      Body body = body(record.value(), endpointHeader(record),
          record.headers().lastHeader(ProtocolHeaders.ANTHROPIC_VERSION) != null, streamHeader(record));
      return new ParsedRecord.Valid(new CompletionRequest(requestId, replyKey(record, requestId), body.bytes(), deadline,
          address, body.model(), body.tokenEstimate(), body.endpoint(),
          rules.groupHeader() ? shortHeader(record, ProtocolHeaders.RELAY_GROUP) : null, body.usageCeiling(),
          rules.callerHeader() == null ? null : shortHeader(record, rules.callerHeader()), body.stream()));
    } catch (Refusal refusal) {
      return invalid(record, requestId, address, refusal);
    }
  }

  private ParsedRecord.Invalid invalid(ConsumerRecord<byte[], byte[]> record, String requestId, ReplyAddress address,
      Refusal refusal) {
    return new ParsedRecord.Invalid(requestId, replyKey(record, requestId), address,
        ReplyError.invalid(refusal.getMessage(), refusal.param), refusal.reason,
        refusal.logMessage != null ? refusal.logMessage : refusal.getMessage());
  }

  private static byte[] replyKey(ConsumerRecord<byte[], byte[]> record, String requestId) {
    return record.key() != null ? record.key() : requestId.getBytes(StandardCharsets.UTF_8);
  }

  /** The correlation headers to echo; one over the header limit is not (its request is refused). */
  private Map<String, byte[]> correlation(ConsumerRecord<byte[], byte[]> record) {
    Map<String, byte[]> found = new LinkedHashMap<>();
    for (String name : ProtocolHeaders.CORRELATION) {
      Header header = record.headers().lastHeader(name);
      if (header != null && header.value() != null && header.value().length <= rules.inputLimits().maxHeaderBytes()) {
        found.put(name, header.value());
      }
    }
    return found;
  }

  /** Refuses a record carrying a header the worker reads with a value over the limit. */
  private void checkHeaderSizes(ConsumerRecord<byte[], byte[]> record) {
    int limit = rules.inputLimits().maxHeaderBytes();
    for (Header header : record.headers()) {
      if (header.value() != null && header.value().length > limit && ProtocolHeaders.READ.contains(header.key())) {
        throw new Refusal("bad_header", "header " + header.key() + " is " + header.value().length
            + " bytes, over the limit of " + limit + " (" + WorkerConfig.REQUEST_MAX_HEADER_BYTES + ")", null);
      }
    }
  }

  private static String requestId(ConsumerRecord<byte[], byte[]> record, Map<String, byte[]> correlation) {
    if (record.key() != null && record.key().length > 0) {
      return utf8(record.key()).orElseGet(() -> HexFormat.of().formatHex(record.key()));
    }
    Header header = record.headers().lastHeader(ProtocolHeaders.REQUEST_ID);
    if (header != null && header.value() != null && header.value().length > 0) {
      return utf8(header.value()).orElseThrow(() -> new Refusal("bad_header",
          "header " + ProtocolHeaders.REQUEST_ID + " is not valid UTF-8", null));
    }
    for (byte[] value : correlation.values()) {
      if (value.length > 0) {
        // Spring's default correlation ID is 16 raw bytes: hex is how people print it.
        return utf8(value).filter(RequestParser::printable).orElseGet(() -> HexFormat.of().formatHex(value));
      }
    }
    return record.topic() + "-" + record.partition() + "-" + record.offset();
  }

  private ReplyAddress address(ConsumerRecord<byte[], byte[]> record, Map<String, byte[]> correlation) {
    String topicHeader = ProtocolHeaders.SPRING_REPLY_TOPIC;
    String partitionHeader = ProtocolHeaders.SPRING_REPLY_PARTITION;
    Header topic = record.headers().lastHeader(topicHeader);
    if (topic == null) {
      topicHeader = ProtocolHeaders.SMALLRYE_REPLY_TOPIC;
      partitionHeader = ProtocolHeaders.SMALLRYE_REPLY_PARTITION;
      topic = record.headers().lastHeader(topicHeader);
    }
    if (topic == null || topic.value() == null) {
      return ReplyAddress.defaultTopic(rules.defaultReplyTopic(), correlation);
    }
    String name = replyTopic(topicHeader, topic.value());
    Header partition = record.headers().lastHeader(partitionHeader);
    return new ReplyAddress(name, partition == null ? null : replyPartition(partitionHeader, partition.value()),
        correlation);
  }

  private String replyTopic(String header, byte[] value) {
    String name = utf8(value).orElseThrow(() -> new Refusal("bad_header", "header " + header + " is not valid UTF-8",
        null));
    TopicNames.problem(name).ifPresent(problem -> {
      throw new Refusal("bad_header", "header " + header + " is not a valid topic name: " + problem, null);
    });
    if (name.equals(rules.defaultReplyTopic())) {
      return name;
    }
    if (rules.allowedReplyTopics() == null || !rules.allowedReplyTopics().matcher(name).matches()) {
      throw new Refusal("reply_topic_not_allowed", "reply topic '" + name + "' (header " + header
          + ") is not allowed by reply.topic.allowed.pattern", null);
    }
    return name;
  }

  private static int replyPartition(String header, byte[] value) {
    if (value == null || value.length != Integer.BYTES) {
      throw new Refusal("bad_header", "header " + header + " must be a 4-byte big-endian int, was "
          + (value == null ? 0 : value.length) + " bytes", null);
    }
    int partition = ByteBuffer.wrap(value).getInt();
    if (partition < 0) {
      throw new Refusal("bad_header", "header " + header + " must not be negative, was " + partition, null);
    }
    return partition;
  }

  /** The request's deadline on the worker's clock ({@link RequestDeadline}). */
  private Instant deadline(ConsumerRecord<byte[], byte[]> record, Instant wallNow, Instant now) {
    Header header = record.headers().lastHeader(ProtocolHeaders.DEADLINE_MS);
    OptionalLong asked = OptionalLong.empty();
    if (header != null && header.value() != null) {
      byte[] value = header.value();
      // Text if it reads as text; a binary long (a current epoch starts with zero bytes) otherwise.
      Optional<String> text = utf8(value).filter(RequestParser::printable);
      Optional<Long> millis = text.isPresent() ? text.flatMap(RequestParser::decimal)
          : value.length == Long.BYTES ? Optional.of(ByteBuffer.wrap(value).getLong()) : Optional.empty();
      asked = OptionalLong.of(millis.orElseThrow(() -> new Refusal("bad_header", "header "
          + ProtocolHeaders.DEADLINE_MS + " must be epoch milliseconds as decimal text or an 8-byte big-endian long",
          null)));
    }
    return deadlines.of(record.timestamp(), asked, wallNow, now);
  }

  /**
   * What is sent and where, the model it names, under a token limit the tokens it may use, and the
   * most tokens its answer may claim per kind.
   */
  private record Body(byte[] bytes, String model, long tokenEstimate, RelayApi endpoint, long usageCeiling,
      boolean stream) {
    Body(byte[] bytes, String model, long tokenEstimate, RelayApi endpoint, long usageCeiling) {
      this(bytes, model, tokenEstimate, endpoint, usageCeiling, false);
    }
  }

  /** Whether the {@code relay_stream} header asks for a stream: {@code true}, in any case, and nothing else. */
  private static boolean streamHeader(ConsumerRecord<byte[], byte[]> record) {
    Header header = record.headers().lastHeader(ProtocolHeaders.RELAY_STREAM);
    return header != null && header.value() != null
        && "true".equalsIgnoreCase(new String(header.value(), StandardCharsets.UTF_8).trim());
  }

  /** The endpoint the {@code endpoint} header names, or null when there is none. */
  private static RelayApi endpointHeader(ConsumerRecord<byte[], byte[]> record) {
    Header header = record.headers().lastHeader(ProtocolHeaders.ENDPOINT);
    if (header == null || header.value() == null) {
      return null;
    }
    String path = utf8(header.value()).orElseThrow(() -> new Refusal("bad_header",
        "header " + ProtocolHeaders.ENDPOINT + " is not valid UTF-8", null)).trim();
    return RelayApi.ofPath(path).orElseThrow(() -> new Refusal("bad_header", "header " + ProtocolHeaders.ENDPOINT
        + " must be /v1/completions, /v1/chat/completions, /v1/embeddings or /v1/messages, was '"
        + (path.length() > 80 ? path.substring(0, 80) + "..." : path) + "'", null));
  }

  /** The route or group the {@code relay_group} header asks for, or null when there is none or it is blank. */
  /** A short name a header gives (a route, a group, a caller): trimmed UTF-8, empty as absent. */
  private static String shortHeader(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    if (header == null || header.value() == null) {
      return null;
    }
    String value = utf8(header.value()).orElseThrow(() -> new Refusal("bad_header",
        "header " + name + " is not valid UTF-8", null)).trim();
    if (value.length() > MAX_GROUP_CHARS) {
      throw new Refusal("bad_header", "header " + name + " is longer than " + MAX_GROUP_CHARS + " characters", null);
    }
    if (!printable(value)) {
      throw new Refusal("bad_header", "header " + name + " holds a control character", null);
    }
    return value.isEmpty() ? null : value;
  }

  /**
   * @param anthropic whether the record carries an {@code anthropic-version} header
   * @param streamAsked whether its {@code relay_stream} header asks for a stream
   */
  private Body body(byte[] value, RelayApi named, boolean anthropic, boolean streamAsked) {
    if (value == null) {
      throw new Refusal("null_value", "record value is null; expected a JSON completion request", null);
    }
    if (value.length == 0) {
      throw new Refusal("empty_value", "record value is empty; expected a JSON completion request", null);
    }
    if (value.length > rules.maxBytes()) {
      throw new Refusal("too_large", "record value is " + value.length + " bytes, over the limit of "
          + rules.maxBytes() + " (request.max.bytes)", null);
    }
    RelayFields fields;
    StringBuilder kind = new StringBuilder();
    try {
      fields = RelayFields.read(mapper, value, kind);
    } catch (JsonProcessingException e) {
      // The parser's words quote the record (an unrecognized token may be prompt text): replies only, never logs.
      throw new Refusal("not_json", "record value is not valid JSON: " + e.getOriginalMessage(), null,
          "record value is not valid JSON" + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr()
              + ", column " + e.getLocation().getColumnNr() + ")"));
    } catch (IOException e) {
      throw new Refusal("not_json", "record value is not valid JSON: " + e.getClass().getSimpleName(), null);
    }
    if (fields == null) {
      throw new Refusal("not_object", "record value must be a JSON object, was " + kind, null);
    }
    RelayApi endpoint = named != null ? named
        : fields.get("messages") != null && anthropic ? RelayApi.MESSAGES
        : fields.get("messages") != null ? RelayApi.CHAT_COMPLETIONS
        : fields.get("input") != null && fields.get("prompt") == null ? RelayApi.EMBEDDINGS : RelayApi.COMPLETIONS;
    BodyChecks.fields(fields, endpoint, rules.inputLimits());
    BodyChecks.cost(fields, rules.costLimits(), endpoint);
    JsonNode modelField = fields.get("model");
    String model = modelField != null ? modelField.asText() : rules.defaultModel();
    if (model == null) {
      throw new Refusal("invalid_body", "model is required (no request.default.model is configured)", "model");
    }
    long tokens = tokenEstimator == null ? 0 : checkTokens(fields, model, endpoint);
    long ceiling = UsageCeiling.of(fields, endpoint, tokens, rules.inputLimits().usageMaxTokens());
    JsonNode streamField = fields.get("stream");
    boolean stream = streamAsked || streamField != null && streamField.asBoolean();
    if (stream && endpoint == RelayApi.EMBEDDINGS) {
      throw new Refusal("invalid_body", "embeddings are not streamed: ask without stream or "
          + ProtocolHeaders.RELAY_STREAM, "stream");
    }
    if (stream) {
      // Messages streams always end with their usage; OpenAI's only when asked.
      ObjectNode streaming = fields.streaming(endpoint != RelayApi.MESSAGES);
      if (modelField == null) {
        streaming.put("model", model);
      }
      return new Body(write(streaming), model, tokens, endpoint, ceiling, true);
    }
    if (endpoint == RelayApi.EMBEDDINGS) {
      // Written as the relay reads it, so that requests asking for the same thing can share a call.
      ObjectNode folded = fields.folded(mapper);
      folded.put("model", model);
      return new Body(write(folded), model, tokens, endpoint, ceiling);
    }
    if (modelField == null) {
      fields.root().put("model", model);
      return new Body(write(fields.root()), model, tokens, endpoint, ceiling);
    }
    return new Body(value, model, tokens, endpoint, ceiling);
  }

  /** The request's token estimate; refuses one that could never fit the tokens-per-minute limit. */
  private long checkTokens(RelayFields fields, String model, RelayApi endpoint) {
    TokenEstimate estimate = endpoint == RelayApi.EMBEDDINGS
        ? new TokenEstimate(tokenEstimator.countInput(model, fields.get("input")), 0)
        : endpoint == RelayApi.MESSAGES
        ? tokenEstimator.estimateMessages(model, fields.get("system"), fields.get("messages"), fields.get("max_tokens"))
        : endpoint == RelayApi.CHAT_COMPLETIONS
        ? tokenEstimator.estimateChat(model, fields.get("messages"), fields.get("n"),
            fields.get("max_completion_tokens") != null ? fields.get("max_completion_tokens") : fields.get("max_tokens"))
        : tokenEstimator.estimate(model, fields.get("prompt"), fields.get("suffix"), fields.get("n"),
            fields.get("best_of"), fields.get("max_tokens"));
    if (estimate.total() > rules.tokensPerMinute()) {
      throw new Refusal("cost_limit", "request may use " + estimate.total() + " tokens (prompt "
          + estimate.promptTokens() + ", completions up to " + estimate.completionTokens()
          + "), over the whole per-minute budget of " + rules.tokensPerMinute() + " (" + WorkerConfig.RELAY_RATE_LIMIT_TPM
          + "): it could never be sent", "max_tokens");
    }
    return estimate.total();
  }

  private byte[] write(JsonNode root) {
    try {
      return mapper.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new Refusal("invalid_body", "request could not be re-encoded: " + e.getOriginalMessage(), null);
    }
  }

  private static Optional<Long> decimal(String text) {
    try {
      return Optional.of(Long.parseLong(text.trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> utf8(byte[] bytes) {
    try {
      return Optional.of(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static boolean printable(String text) {
    return text.chars().noneMatch(Character::isISOControl);
  }
}
