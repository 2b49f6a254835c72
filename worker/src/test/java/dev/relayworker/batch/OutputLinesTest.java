package dev.relayworker.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.cost.CallCost;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.protocol.ReplyRecords;
import dev.relayworker.relay.Usage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Batch output lines carry what each answered line cost, from the reply's headers. */
class OutputLinesTest {

  private final OutputLines lines = new OutputLines(new ObjectMapper());
  private final ReplyRecords replies = new ReplyRecords("dlq");
  private final ReplyAddress route = ReplyAddress.defaultTopic("replies", Map.of());

  @Test
  void anAnsweredLineCarriesItsUsageAndCost() {
    ObjectNode line = lines.fromReply("line-1", consumed(replies.ok("r1", bytes("r1"), route,
        bytes("{\"object\":\"text_completion\",\"choices\":[]}"), 200, 1, "X1",
        new CallCost("davinci-002", "vip", new Usage(12, 30, 42), 63, new BigDecimal("0.000126")), "premium", "vip")));

    assertThat(line.at("/response/status_code").asInt()).isEqualTo(200);
    assertThat(line.at("/response/request_id").asText()).isEqualTo("X1");
    assertThat(line.at("/cost/prompt_tokens").asLong()).isEqualTo(12);
    assertThat(line.at("/cost/completion_tokens").asLong()).isEqualTo(30);
    assertThat(line.at("/cost/quota").asLong()).isEqualTo(63);
    assertThat(line.at("/cost/usd").decimalValue()).isEqualByComparingTo("0.000126");
    assertThat(line.at("/cost/group").asText()).isEqualTo("vip");
    assertThat(line.at("/cost/route").asText()).isEqualTo("premium");
    assertThat(OutputLines.usdOf(line)).isEqualByComparingTo("0.000126");
  }

  @Test
  void anUnpricedModelHasTokensButNoPriceAndAnErrorHasNoCost() {
    ObjectNode unpriced = lines.fromReply("line-2", consumed(replies.ok("r2", bytes("r2"), route, bytes("{}"), 200, 1,
        null, new CallCost("claude-x", "default", new Usage(5, 6, 11), -1, null))));
    ObjectNode failed = lines.fromReply("line-3", consumed(replies.error("r3", bytes("r3"), route,
        dev.relayworker.protocol.ReplyError.invalid("bad", null), 400, 1)));

    assertThat(unpriced.at("/cost/prompt_tokens").asLong()).isEqualTo(5);
    assertThat(unpriced.at("/cost/quota").isNull()).isTrue();
    assertThat(OutputLines.usdOf(unpriced)).isZero();
    assertThat(failed.has("cost")).isFalse();
  }

  private static ConsumerRecord<byte[], byte[]> consumed(ProducerRecord<byte[], byte[]> reply) {
    return new ConsumerRecord<>(reply.topic(), 0, 0, 0, TimestampType.CREATE_TIME, 0, 0, reply.key(), reply.value(),
        new RecordHeaders(reply.headers().toArray()), java.util.Optional.empty());
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
