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

class RequestParserTest {

  private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
  private static final String BODY = "{\"model\":\"m\",\"prompt\":\"p\",\"x_unknown\":{\"kept\":true},\"temperature\":0.70}";
  private final RequestParser parser = new RequestParser(new RequestRules("replies", Pattern.compile("replies\\..+"),
      Duration.ofMinutes(5), 1_000, null));

  @Test
  void passesTheBodyThroughUnchanged() {
    CompletionRequest request = valid(record("id-1", BODY, new RecordHeaders()));

    assertThat(new String(request.body(), StandardCharsets.UTF_8)).isEqualTo(BODY);
    assertThat(request.requestId()).isEqualTo("id-1");
    assertThat(request.route().topic()).isEqualTo("replies");
  }

  @Test
  void defaultsTheDeadlineToTheRecordTimestampPlusTheTtl() {
    CompletionRequest request = valid(record("id", BODY, new RecordHeaders()));

    assertThat(request.deadline()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
  }

  @Test
  void takesTheRequestIdFromTheHeaderThenTheCorrelationThenTheOffset() {
    RecordHeaders withId = new RecordHeaders();
    withId.add(ProtocolHeaders.REQUEST_ID, "from-header".getBytes(StandardCharsets.UTF_8));
    RecordHeaders withBinaryCorrelation = new RecordHeaders();
    withBinaryCorrelation.add(ProtocolHeaders.SPRING_CORRELATION_ID, new byte[] {0, 1, (byte) 0xab});

    assertThat(valid(record(null, BODY, withId)).requestId()).isEqualTo("from-header");
    assertThat(valid(record(null, BODY, withBinaryCorrelation)).requestId()).isEqualTo("0001ab");
    assertThat(valid(record(null, BODY, new RecordHeaders())).requestId()).isEqualTo("requests-3-42");
  }

  @Test
  void readsReplyPartitionAsABigEndianInt() {
    RecordHeaders headers = new RecordHeaders();
    headers.add(ProtocolHeaders.SMALLRYE_REPLY_TOPIC, "replies.mine".getBytes(StandardCharsets.UTF_8));
    headers.add(ProtocolHeaders.SMALLRYE_REPLY_PARTITION, ByteBuffer.allocate(4).putInt(7).array());

    ReplyRoute route = valid(record("id", BODY, headers)).route();

    assertThat(route.topic()).isEqualTo("replies.mine");
    assertThat(route.partition()).isEqualTo(7);
  }

  @Test
  void refusesATopicOutsideTheAllowListButStillRoutesTheErrorHome() {
    RecordHeaders headers = new RecordHeaders();
    headers.add(ProtocolHeaders.SPRING_REPLY_TOPIC, "billing".getBytes(StandardCharsets.UTF_8));
    headers.add(ProtocolHeaders.SPRING_CORRELATION_ID, "c-1".getBytes(StandardCharsets.UTF_8));

    ParsedRecord.Invalid invalid = (ParsedRecord.Invalid) parser.parse(record("id", BODY, headers), NOW);

    assertThat(invalid.route().topic()).isEqualTo("replies");
    assertThat(invalid.route().correlation()).containsKey(ProtocolHeaders.SPRING_CORRELATION_ID);
    assertThat(invalid.dlqReason()).isEqualTo("reply_topic_not_allowed");
  }

  @Test
  void addsTheDefaultModelKeepingEverythingElse() {
    RequestParser withDefault = new RequestParser(new RequestRules("replies", null, Duration.ofMinutes(5), 1_000,
        "fallback-model"));

    CompletionRequest request = ((ParsedRecord.Valid) withDefault.parse(
        record("id", "{\"prompt\":\"p\",\"temperature\":0.70,\"x\":[1]}", new RecordHeaders()), NOW)).request();

    assertThat(new String(request.body(), StandardCharsets.UTF_8))
        .isEqualTo("{\"prompt\":\"p\",\"temperature\":0.70,\"x\":[1],\"model\":\"fallback-model\"}");
  }

  private CompletionRequest valid(ConsumerRecord<byte[], byte[]> record) {
    ParsedRecord parsed = parser.parse(record, NOW);
    assertThat(parsed).isInstanceOf(ParsedRecord.Valid.class);
    return ((ParsedRecord.Valid) parsed).request();
  }

  private static ConsumerRecord<byte[], byte[]> record(String key, String value, RecordHeaders headers) {
    return new ConsumerRecord<>("requests", 3, 42, NOW.toEpochMilli(), TimestampType.CREATE_TIME, -1, -1,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8), headers,
        Optional.empty());
  }
}
