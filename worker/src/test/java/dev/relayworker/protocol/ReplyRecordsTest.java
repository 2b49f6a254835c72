package dev.relayworker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.cost.CallCost;
import dev.relayworker.cost.PriceTable;
import dev.relayworker.relay.Usage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.internal.AbstractRecords;
import org.apache.kafka.common.record.internal.CompressionType;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.junit.jupiter.api.Test;

class ReplyRecordsTest {

  private final ReplyRecords replies = new ReplyRecords("dlq");

  @Test
  void echoesShortRequestIdsAndHashesLongOnes() {
    ReplyAddress route = ReplyAddress.defaultTopic("replies", Map.of());
    String longId = "k".repeat(600_000);

    ProducerRecord<byte[], byte[]> shortReply = replies.ok("req-1", bytes("req-1"), route, bytes("{}"), 200, 1, null, null);
    ProducerRecord<byte[], byte[]> longReply = replies.ok(longId, bytes(longId), route, bytes("{}"), 200, 1, null, null);

    assertThat(header(shortReply, ProtocolHeaders.REQUEST_ID)).isEqualTo("req-1");
    assertThat(header(longReply, ProtocolHeaders.REQUEST_ID)).matches("sha256:[0-9a-f]{64}");
    assertThat(longReply.key()).hasSize(600_000);
    assertThat(header(replies.ok("x".repeat(255), bytes("k"), route, bytes("{}"), 200, 1, null, null),
        ProtocolHeaders.REQUEST_ID)).hasSize(255);
  }

  @Test
  void anOkReplyCarriesCachedAndReasoningTokensOnlyWhenTheRelayReportedThem() {
    ReplyAddress address = ReplyAddress.defaultTopic("replies", Map.of());
    CallCost detailed = PriceTable.defaults().cost("gpt-4o", "default", new Usage(1000, 200, 1200, 800, 150));
    CallCost plain = PriceTable.defaults().cost("gpt-4o", "default", new Usage(1000, 200, 1200));

    ProducerRecord<byte[], byte[]> withDetails = replies.ok("r", bytes("r"), address, bytes("{}"), 200, 1, null,
        detailed);
    ProducerRecord<byte[], byte[]> without = replies.ok("r", bytes("r"), address, bytes("{}"), 200, 1, null, plain);

    assertThat(header(withDetails, ProtocolHeaders.USAGE_PROMPT_TOKENS)).isEqualTo("1000");
    assertThat(header(withDetails, ProtocolHeaders.USAGE_CACHED_TOKENS)).isEqualTo("800");
    assertThat(header(withDetails, ProtocolHeaders.USAGE_REASONING_TOKENS)).isEqualTo("150");
    assertThat(header(withDetails, ProtocolHeaders.COST_QUOTA)).isEqualTo("1750");
    assertThat(without.headers().lastHeader(ProtocolHeaders.USAGE_CACHED_TOKENS)).isNull();
    assertThat(without.headers().lastHeader(ProtocolHeaders.USAGE_REASONING_TOKENS)).isNull();
    assertThat(header(without, ProtocolHeaders.COST_QUOTA)).isEqualTo("2250");
  }

  @Test
  void cutsADeadLetterCopyToFitTruncatingTheValueFirstThenHeadersThenKey() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("trace", new byte[5_000]);
    ConsumerRecord<byte[], byte[]> big = record(new byte[100], new byte[50_000], headers);

    ProducerRecord<byte[], byte[]> valueCut = replies.deadLetterCut(big, "too_large", "too big", 20_000);
    ProducerRecord<byte[], byte[]> headersCut = replies.deadLetterCut(big, "too_large", "too big", 2_000);
    ProducerRecord<byte[], byte[]> keyCut = replies.deadLetterCut(record(new byte[9_000], new byte[10], headers),
        "too_large", "too big", 1_000);

    assertThat(RecordSize.of(valueCut)).isLessThanOrEqualTo(20_000).isGreaterThan(19_000);
    assertThat(header(valueCut, ProtocolHeaders.DLQ_TRUNCATED)).isEqualTo("value");
    assertThat(valueCut.headers().lastHeader("trace")).isNotNull();
    assertThat(header(valueCut, ProtocolHeaders.DLQ_ORIGINAL_VALUE_BYTES)).isEqualTo("50000");
    assertThat(valueCut.value()).isEqualTo(Arrays.copyOf(big.value(), valueCut.value().length));
    assertThat(RecordSize.of(headersCut)).isLessThanOrEqualTo(2_000);
    assertThat(header(headersCut, ProtocolHeaders.DLQ_TRUNCATED)).isEqualTo("value,headers");
    assertThat(headersCut.headers().lastHeader("trace")).isNull();
    assertThat(header(headersCut, ProtocolHeaders.DLQ_ORIGINAL_HEADERS)).isEqualTo("1");
    assertThat(RecordSize.of(keyCut)).isLessThanOrEqualTo(1_000);
    assertThat(header(keyCut, ProtocolHeaders.DLQ_TRUNCATED)).isEqualTo("value,headers,key");
    assertThat(header(keyCut, ProtocolHeaders.DLQ_ORIGINAL_KEY_BYTES)).isEqualTo("9000");
    assertThat(header(keyCut, ProtocolHeaders.DLQ_ORIGINAL_TIMESTAMP)).isEqualTo("1700000000000");
    assertThat(keyCut.timestamp()).isNull();
    assertThat(replies.deadLetterCut(big, "too_large", "too big", 100)).isNull();
  }

  @Test
  void neverReckonsARecordSmallerThanTheProducerDoes() {
    RecordHeaders headers = new RecordHeaders();
    headers.add("request_id", bytes("r"));
    headers.add("emoji-\u00e9", new byte[300]);
    for (ProducerRecord<byte[], byte[]> record : java.util.List.of(
        new ProducerRecord<byte[], byte[]>("t", null, (Long) null, null, null, new RecordHeaders()),
        new ProducerRecord<>("t", null, (Long) null, new byte[10], new byte[20], new RecordHeaders()),
        new ProducerRecord<>("t", null, (Long) null, new byte[1_000_000], new byte[70_000], headers),
        new ProducerRecord<>("t", null, (Long) null, new byte[127], new byte[128], headers))) {
      int producers = AbstractRecords.estimateSizeInBytesUpperBound(RecordBatch.CURRENT_MAGIC_VALUE,
          CompressionType.NONE, record.key(), record.value(), record.headers().toArray());
      assertThat(RecordSize.of(record)).isBetween(producers, producers + 40);
    }
  }

  private static ConsumerRecord<byte[], byte[]> record(byte[] key, byte[] value, RecordHeaders headers) {
    return new ConsumerRecord<>("requests", 0, 7, 1_700_000_000_000L, TimestampType.CREATE_TIME, -1, -1, key, value,
        headers, Optional.empty());
  }

  private static String header(ProducerRecord<byte[], byte[]> record, String name) {
    return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
