package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.protocol.ErrorType;
import dev.relayworker.protocol.ProtocolHeaders;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.protocol.ReplyError;
import dev.relayworker.protocol.ReplyRecords;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The ladder every unpublishable record goes down, one step per problem, until nothing is left. */
class FallbacksTest {

  private static final Map<String, byte[]> CORRELATION =
      Map.of(ProtocolHeaders.SPRING_CORRELATION_ID, Requests.bytes("c-1"));
  private final ReplyRecords replies = new ReplyRecords("dlq");
  private final Fallbacks fallbacks = new Fallbacks(replies, "replies", () -> 1_048_576);
  private final ObjectMapper mapper = new ObjectMapper();

  @Test
  void aReplyTooLargeForItsRouteBecomesAnErrorThereThenAtHomeThenADeadLetterThenNothing() throws Exception {
    PendingRequest pending = pending(new ReplyAddress("replies.team", 2, CORRELATION));
    Outgoing reply = Outgoing.reply(pending, replies.ok("r", Requests.bytes("r"), pending.address, new byte[2_000_000], 200, 1, null, null));
    Problem tooLarge = new Problem(Problem.Kind.TOO_LARGE, "the record would be 2000100 bytes, over 1048576");

    Outgoing onRoute = fallbacks.next(reply, tooLarge);
    Outgoing atHome = fallbacks.next(onRoute, tooLarge);
    Outgoing deadLetter = fallbacks.next(atHome, tooLarge);

    assertThat(onRoute.step).isEqualTo(Outgoing.Step.ERROR_ON_ROUTE);
    assertThat(onRoute.record.topic()).isEqualTo("replies.team");
    assertThat(onRoute.record.partition()).isEqualTo(2);
    assertThat(Requests.header(onRoute.record, ProtocolHeaders.ERROR_TYPE)).isEqualTo(ErrorType.REPLY_TOO_LARGE.wireName());
    assertThat(message(onRoute.record)).contains("2000100 bytes, over 1048576");
    assertThat(onRoute.record.headers().lastHeader(ProtocolHeaders.SPRING_CORRELATION_ID).value()).isEqualTo(Requests.bytes("c-1"));
    assertThat(atHome.step).isEqualTo(Outgoing.Step.ERROR_ON_DEFAULT);
    assertThat(atHome.record.topic()).isEqualTo("replies");
    assertThat(atHome.record.partition()).isNull();
    assertThat(deadLetter.step).isEqualTo(Outgoing.Step.DEAD_LETTER_CUT);
    assertThat(deadLetter.record.topic()).isEqualTo("dlq");
    assertThat(Requests.header(deadLetter.record, ProtocolHeaders.DLQ_REASON)).isEqualTo(Fallbacks.UNDELIVERABLE);
    assertThat(Requests.header(deadLetter.record, ProtocolHeaders.DLQ_ERROR)).contains("2000100 bytes");
    assertThat(pending.deadLettered).isTrue();
    assertThat(fallbacks.next(deadLetter, tooLarge)).isNull();
  }

  @Test
  void aReplyThatCannotGoToItsRouteGoesHomeAsAnErrorSayingWhy() throws Exception {
    PendingRequest pending = pending(new ReplyAddress("replies", 99, CORRELATION));
    Outgoing reply = Outgoing.reply(pending, replies.ok("r", Requests.bytes("r"), pending.address, Requests.bytes("{}"), 200, 1, null, null));

    Outgoing home = fallbacks.next(reply, Problem.unroutable("topic 'replies' has 4 partitions; partition 99 does not exist"));

    assertThat(home.step).isEqualTo(Outgoing.Step.ERROR_ON_DEFAULT);
    assertThat(home.record.partition()).isNull();
    assertThat(Requests.header(home.record, ProtocolHeaders.ERROR_TYPE)).isEqualTo("invalid_request_error");
    assertThat(message(home.record)).contains("partition 99").contains("does not exist");
  }

  @Test
  void aRefusedRecordKeepsItsOwnErrorAndEndsWithItsDeadLetterCopy() throws Exception {
    PendingRequest pending = pending(new ReplyAddress("replies.team", 7, CORRELATION));
    pending.deadLettered = true;
    Outgoing error = Outgoing.reply(pending, replies.error("r", Requests.bytes("r"), pending.address,
        ReplyError.invalid("record value is not valid JSON", null), 0, 0));

    Outgoing home = fallbacks.next(error, Problem.unroutable("partition 7 does not exist"));

    assertThat(home.record.topic()).isEqualTo("replies");
    assertThat(message(home.record)).isEqualTo("record value is not valid JSON");
    assertThat(fallbacks.next(home, Problem.unroutable("gone"))).isNull();
  }

  @Test
  void aDeadLetterCopyIsCutOnceThenGivenUp() {
    PendingRequest pending = pending(ReplyAddress.defaultTopic("replies", Map.of()));
    Outgoing copy = Outgoing.deadLetter(pending, replies.deadLetter(pending.record, "not_json", "not JSON"));
    Problem tooLarge = new Problem(Problem.Kind.TOO_LARGE, "over the limit");

    Outgoing cut = fallbacks.next(copy, tooLarge);

    assertThat(cut.step).isEqualTo(Outgoing.Step.DEAD_LETTER_CUT);
    assertThat(Requests.header(cut.record, ProtocolHeaders.DLQ_REASON)).isEqualTo("not_json");
    assertThat(Requests.header(cut.record, ProtocolHeaders.DLQ_ERROR)).isEqualTo("not JSON; over the limit");
    assertThat(fallbacks.next(cut, tooLarge)).isNull();
  }

  private String message(ProducerRecord<byte[], byte[]> record) throws Exception {
    return mapper.readTree(record.value()).path("error").path("message").asText();
  }

  private static PendingRequest pending(ReplyAddress route) {
    ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>("requests", 0, 3, 0L, TimestampType.CREATE_TIME, 0, 0,
        Requests.bytes("r"), Requests.bytes("{}"), new RecordHeaders(), Optional.empty());
    return new PendingRequest(record, new PartitionLedger(new TopicPartition("requests", 0), 4096), "r", Requests.bytes("r"),
        route, null);
  }


}
