package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.protocol.ReplyAddress;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class AnsweredRecordsTest {

  private final AnsweredRecords records = new AnsweredRecords("requests.answered");
  private final PartitionLedger ledger = new PartitionLedger(new TopicPartition("team.requests-v2", 7), 4096);

  @Test
  void anAnsweredRequestReadsBackAsAccepted() {
    ProducerRecord<byte[], byte[]> written = records.of(Requests.taken(ledger, 123_456_789_012L,
        new ReplyAddress("replies", null, null)));

    assertThat(written.topic()).isEqualTo("requests.answered");
    assertThat(new String(written.key(), StandardCharsets.UTF_8)).isEqualTo("team.requests-v2/7/123456789012");
    assertThat(AnsweredRecords.parse(written.key(), written.value())).contains(new AnsweredRecords.Answered(
        new TopicPartition("team.requests-v2", 7), 123_456_789_012L, AnsweredRecords.Outcome.ACCEPT));
  }

  @Test
  void aRefusedRecordReadsBackAsRejected() {
    ConsumerRecord<byte[], byte[]> invalid = new ConsumerRecord<>("team.requests-v2", 7, 5L, 0L,
        TimestampType.CREATE_TIME, 0, 0, null, bytes("not json"), new RecordHeaders(), java.util.Optional.empty());
    ledger.take(5L);
    ProducerRecord<byte[], byte[]> written = records.of(new PendingRequest(invalid, ledger, "bad-1", bytes("bad-1"),
        new ReplyAddress("replies", null, null), null));

    assertThat(AnsweredRecords.parse(written.key(), written.value()))
        .map(AnsweredRecords.Answered::outcome).contains(AnsweredRecords.Outcome.REJECT);
  }

  @Test
  void recordsThatAreNotAnsweredRecordsAreSkipped() {
    byte[] value = bytes("{\"request_id\":\"r\",\"outcome\":\"accept\"}");
    assertThat(AnsweredRecords.parse(null, value)).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("t/0/1"), null)).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("no-slashes"), value)).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("/0/1"), value)).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("t/-1/1"), value)).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("t/0/-5"), value)).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("t/x/1"), value)).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("t/0/99999999999999999999"), value)).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("t/0/1"), bytes("{not json"))).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("t/0/1"), bytes("{\"outcome\":\"maybe\"}"))).isEmpty();
    assertThat(AnsweredRecords.parse(bytes("t/0/1"), bytes("[1,2]"))).isEmpty();
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
