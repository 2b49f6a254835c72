package dev.relayworker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Values from outside a request, held to bounds where they enter: timestamps and deadlines of any
 * long (arithmetic saturates, never throws), model names and header values of any length, and the
 * usage an answer may claim. Parsed on two clocks, as the worker does: the wall clock record
 * timestamps are read on, and its own steady clock the deadline is laid on.
 */
class RequestBoundsTest {

  private static final Instant WALL = Instant.parse("2026-12-04T12:00:00Z");
  /** The worker's steady clock, which started elsewhere: deadlines are spans laid from it. */
  private static final Instant STEADY = Instant.parse("2026-01-01T00:00:00Z");
  private static final String BODY = "{\"model\":\"m\",\"prompt\":\"p\"}";
  private final RequestParser parser = new RequestParser(new RequestRules("replies", Pattern.compile("replies\\..+"),
      Duration.ofMinutes(5), Duration.ofHours(24), 1_000_000, null, new CostLimits(128, 20, 4_096, 16), 0,
      new InputLimits(256, 1_024, 2_000_000)));

  @ParameterizedTest(name = "timestamp {0}")
  @ValueSource(longs = {Long.MAX_VALUE, Long.MAX_VALUE - 1, 4_102_444_800_000L})
  void aTimestampInTheFutureCountsAsNow(long timestamp) {
    assertThat(valid(record(timestamp, new RecordHeaders())).deadline()).isEqualTo(STEADY.plus(Duration.ofMinutes(5)));
    assertThat(valid(record(timestamp, deadline(Long.MAX_VALUE))).deadline()).isEqualTo(STEADY.plus(Duration.ofHours(24)));
    assertThat(valid(record(timestamp, deadline(WALL.plusSeconds(90).toEpochMilli()))).deadline())
        .isEqualTo(STEADY.plusSeconds(90));
  }

  @ParameterizedTest(name = "deadline_ms {0}")
  @ValueSource(longs = {Long.MIN_VALUE, -1, 0, 1})
  void aDeadlineInThePastIsNowAndExpired(long asked) {
    assertThat(valid(record(WALL.toEpochMilli(), deadline(asked))).deadline()).isEqualTo(STEADY);
    assertThat(valid(record(WALL.toEpochMilli(), binaryDeadline(asked))).deadline()).isEqualTo(STEADY);
  }

  @Test
  void aTimestampFromLongAgoMakesAnExpiredRequestNotACrash() {
    assertThat(valid(record(1, new RecordHeaders())).deadline()).isEqualTo(STEADY);
    assertThat(valid(record(1, deadline(Long.MAX_VALUE))).deadline()).isEqualTo(STEADY);
    assertThat(valid(record(-1, new RecordHeaders())).deadline()).isEqualTo(STEADY.plus(Duration.ofMinutes(5)));
  }

  @Test
  void aModelNameOverTheLimitIsRefusedNamingTheSetting() {
    ParsedRecord.Invalid refused = invalid(record(WALL.toEpochMilli(), "{\"model\":\"" + "m".repeat(257)
        + "\",\"prompt\":\"p\"}", new RecordHeaders()));

    assertThat(refused.error().message()).isEqualTo("model is 257 characters, over the limit of 256"
        + " (request.max.model.chars)");
    assertThat(refused.error().param()).isEqualTo("model");
    valid(record(WALL.toEpochMilli(), "{\"model\":\"" + "m".repeat(256) + "\",\"prompt\":\"p\"}", new RecordHeaders()));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"request_id", "kafka_correlationId", "REPLY_CORRELATION_ID", "relay_group", "endpoint",
      "kafka_replyTopic", "deadline_ms"})
  void aHeaderOverTheLimitIsRefusedAndAnOversizedCorrelationIsNotEchoed(String header) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(header, new byte[1_025]);

    ParsedRecord.Invalid refused = invalid(record(WALL.toEpochMilli(), BODY, headers));

    assertThat(refused.error().message()).isEqualTo("header " + header + " is 1025 bytes, over the limit of 1024"
        + " (request.max.header.bytes)");
    assertThat(refused.address().correlation()).isEmpty();
    assertThat(refused.address().topic()).isEqualTo("replies");
  }

  @Test
  void anAnswerMayClaimTheBoundOrTwiceWhatTheRequestAllows() {
    assertThat(valid(record(WALL.toEpochMilli(), BODY, new RecordHeaders())).usageCeiling()).isEqualTo(2_000_000);
    String many = "{\"model\":\"m\",\"prompt\":[" + "\"p\",".repeat(15) + "\"p\"],\"n\":128,\"best_of\":20,"
        + "\"max_tokens\":4096}";
    assertThat(valid(record(WALL.toEpochMilli(), many, new RecordHeaders())).usageCeiling())
        .isEqualTo(2L * 16 * 128 * 4_096);
    RequestParser lowBound = new RequestParser(new RequestRules("replies", null, Duration.ofMinutes(5),
        Duration.ofHours(24), 1_000_000, null, new CostLimits(128, 20, 4_096, 16), 0, new InputLimits(256, 1_024, 1_000)));
    String chat = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":100,"
        + "\"max_completion_tokens\":4096}";
    ParsedRecord parsed = lowBound.parse(record(WALL.toEpochMilli(), chat, new RecordHeaders()), WALL, STEADY);
    assertThat(((ParsedRecord.Valid) parsed).request().usageCeiling()).isEqualTo(2L * 100 * 4_096);
  }

  @Test
  void aParserComplaintQuotingTheRecordStaysOutOfTheLogMessage() {
    ParsedRecord.Invalid refused = invalid(record(WALL.toEpochMilli(), "my secret prompt", new RecordHeaders()));

    assertThat(refused.error().message()).contains("not valid JSON");
    assertThat(refused.logMessage()).startsWith("record value is not valid JSON (line 1, column")
        .doesNotContain("secret").doesNotContain("my");
  }

  private CompletionRequest valid(ConsumerRecord<byte[], byte[]> record) {
    ParsedRecord parsed = parser.parse(record, WALL, STEADY);
    assertThat(parsed).isInstanceOf(ParsedRecord.Valid.class);
    return ((ParsedRecord.Valid) parsed).request();
  }

  private ParsedRecord.Invalid invalid(ConsumerRecord<byte[], byte[]> record) {
    ParsedRecord parsed = parser.parse(record, WALL, STEADY);
    assertThat(parsed).isInstanceOf(ParsedRecord.Invalid.class);
    return (ParsedRecord.Invalid) parsed;
  }

  private static RecordHeaders deadline(long millis) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(ProtocolHeaders.DEADLINE_MS, Long.toString(millis).getBytes(StandardCharsets.UTF_8));
    return headers;
  }

  private static RecordHeaders binaryDeadline(long millis) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(ProtocolHeaders.DEADLINE_MS, ByteBuffer.allocate(8).putLong(millis).array());
    return headers;
  }

  private static ConsumerRecord<byte[], byte[]> record(long timestamp, RecordHeaders headers) {
    return record(timestamp, BODY, headers);
  }

  private static ConsumerRecord<byte[], byte[]> record(long timestamp, String value, RecordHeaders headers) {
    return new ConsumerRecord<>("requests", 0, 7, timestamp, TimestampType.CREATE_TIME, -1, -1,
        "id".getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), headers, Optional.empty());
  }
}
