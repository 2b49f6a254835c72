package dev.relayworker.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.relayworker.relay.RelayApi;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
      Duration.ofMinutes(5), Duration.ofHours(24), 1_000, null, new CostLimits(128, 20, 4_096, 16)));

  @Test
  void underATokenLimitCountsEachRequestAndRefusesOneThatCouldNeverFit() {
    RequestParser limited = new RequestParser(new RequestRules("replies", null, Duration.ofMinutes(5),
        Duration.ofHours(24), 10_000, "gpt-3.5-turbo-instruct", new CostLimits(128, 20, 100_000, 16), 1_000));

    CompletionRequest fits = ((ParsedRecord.Valid) limited.parse(record("fits",
        "{\"prompt\":\"hello world\",\"max_tokens\":100}", new RecordHeaders()), NOW)).request();
    ParsedRecord.Invalid never = (ParsedRecord.Invalid) limited.parse(record("never",
        "{\"prompt\":\"hello world\",\"max_tokens\":500,\"n\":2}", new RecordHeaders()), NOW);

    assertThat(fits.model()).isEqualTo("gpt-3.5-turbo-instruct");
    assertThat(fits.tokenEstimate()).isEqualTo(102);
    assertThat(never.dlqReason()).isEqualTo("cost_limit");
    assertThat(never.error().message()).contains("1002 tokens").contains("relay.rate.limit.tpm")
        .contains("could never be sent");
    assertThat(valid(record("free", BODY, new RecordHeaders())).tokenEstimate()).isZero();
  }

  @Test
  void aBodyWithMessagesIsAChatRequestAndTheEndpointHeaderNamesOne() {
    String chat = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_completion_tokens\":9}";
    RecordHeaders named = new RecordHeaders();
    named.add(ProtocolHeaders.ENDPOINT, "/v1/chat/completions".getBytes(StandardCharsets.UTF_8));

    assertThat(valid(record("c1", chat, new RecordHeaders())).endpoint()).isEqualTo(RelayApi.CHAT_COMPLETIONS);
    assertThat(valid(record("c2", chat, named)).endpoint()).isEqualTo(RelayApi.CHAT_COMPLETIONS);
    assertThat(valid(record("p1", BODY, new RecordHeaders())).endpoint()).isEqualTo(RelayApi.COMPLETIONS);
    assertThat(refusal(record("c3", "{\"model\":\"m\",\"prompt\":\"p\"}", named)).message())
        .isEqualTo("messages is required for /v1/chat/completions");
  }

  @Test
  void refusesChatRequestsTheRelayWouldRefuseNamingTheField() {
    assertThat(refusal(record("a", "{\"model\":\"m\",\"messages\":[]}", new RecordHeaders())).message())
        .contains("messages must be a non-empty array");
    assertThat(refusal(record("b", "{\"model\":\"m\",\"messages\":\"hi\"}", new RecordHeaders())).message())
        .contains("messages must be a non-empty array of messages, was string");
    assertThat(refusal(record("c", "{\"model\":\"m\",\"messages\":[{\"content\":\"hi\"}]}", new RecordHeaders()))
        .message()).contains("messages[0] needs a role");
    assertThat(refusal(record("d", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"stream\":1}",
        new RecordHeaders())).message()).contains("stream must be true or false, was number");
    assertThat(refusal(record("e", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],\"n\":500}",
        new RecordHeaders())).message()).contains("n is 500, over the limit of 128");
    assertThat(refusal(record("f", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],"
        + "\"max_completion_tokens\":9999}", new RecordHeaders())).message())
        .contains("max_completion_tokens is 9999, over the limit of 4096");
    RecordHeaders unknown = new RecordHeaders();
    unknown.add(ProtocolHeaders.ENDPOINT, "/v1/rerank".getBytes(StandardCharsets.UTF_8));
    assertThat(refusal(record("g", BODY, unknown)).message())
        .isEqualTo("header endpoint must be /v1/completions, /v1/chat/completions, /v1/embeddings or /v1/messages,"
            + " was '/v1/rerank'");
  }

  @Test
  void passesTheBodyThroughUnchanged() {
    CompletionRequest request = valid(record("id-1", BODY, new RecordHeaders()));

    assertThat(new String(request.body(), StandardCharsets.UTF_8)).isEqualTo(BODY);
    assertThat(request.requestId()).isEqualTo("id-1");
    assertThat(request.address().topic()).isEqualTo("replies");
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

    ReplyAddress route = valid(record("id", BODY, headers)).address();

    assertThat(route.topic()).isEqualTo("replies.mine");
    assertThat(route.partition()).isEqualTo(7);
  }

  @Test
  void refusesATopicOutsideTheAllowListButStillRoutesTheErrorHome() {
    RecordHeaders headers = new RecordHeaders();
    headers.add(ProtocolHeaders.SPRING_REPLY_TOPIC, "billing".getBytes(StandardCharsets.UTF_8));
    headers.add(ProtocolHeaders.SPRING_CORRELATION_ID, "c-1".getBytes(StandardCharsets.UTF_8));

    ParsedRecord.Invalid invalid = (ParsedRecord.Invalid) parser.parse(record("id", BODY, headers), NOW);

    assertThat(invalid.address().topic()).isEqualTo("replies");
    assertThat(invalid.address().correlation()).containsKey(ProtocolHeaders.SPRING_CORRELATION_ID);
    assertThat(invalid.dlqReason()).isEqualTo("reply_topic_not_allowed");
  }

  @Test
  void addsTheDefaultModelKeepingEverythingElse() {
    RequestParser withDefault = new RequestParser(new RequestRules("replies", null, Duration.ofMinutes(5),
        Duration.ofHours(24), 1_000, "fallback-model", CostLimits.none()));

    CompletionRequest request = ((ParsedRecord.Valid) withDefault.parse(
        record("id", "{\"prompt\":\"p\",\"temperature\":0.70,\"x\":[1]}", new RecordHeaders()), NOW)).request();

    assertThat(new String(request.body(), StandardCharsets.UTF_8))
        .isEqualTo("{\"prompt\":\"p\",\"temperature\":0.70,\"x\":[1],\"model\":\"fallback-model\"}");
  }

  @Test
  void readsFieldNamesAsTheRelayDoesCaseInsensitivelyWithTheLastOneWinning() {
    for (String body : List.of(
        "{\"model\":\"m\",\"prompt\":\"p\",\"Stream\":true}",
        "{\"model\":\"m\",\"prompt\":\"p\",\"STREAM\":true}",
        "{\"model\":\"m\",\"prompt\":\"p\",\"\u017ftream\":true}",
        "{\"model\":\"m\",\"prompt\":\"p\",\"stream\":true,\"Stream\":false,\"stream\":true}",
        "{\"model\":\"m\",\"prompt\":\"p\",\"stream\":false,\"sTream\":true}")) {
      CompletionRequest streamed = valid(record("id", body, new RecordHeaders()));
      assertThat(streamed.stream()).as(body).isTrue();
      // Sent with one spelling the relay cannot misread, and asking for the usage at the end.
      assertThat(new String(streamed.body(), StandardCharsets.UTF_8)).as(body)
          .isEqualTo("{\"model\":\"m\",\"prompt\":\"p\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
    }
    assertThat(refusal("{\"model\":\"m\",\"prompt\":\"p\",\"Stream\":\"yes\"}").error().param()).isEqualTo("stream");
    assertThat(refusal("{\"model\":\"m\",\"prompt\":\"p\",\"N\":500}").error().message())
        .contains("n is 500, over the limit of 128 (request.max.n)");
    assertThat(refusal("{\"model\":\"m\",\"prompt\":\"p\",\"Max_Tokens\":\"lots\"}").error().param())
        .isEqualTo("max_tokens");
    // Kelvin sign folds to 'k': the relay reads this as max_tokens.
    assertThat(refusal("{\"model\":\"m\",\"prompt\":\"p\",\"max_to\u212aens\":99999}").error().param())
        .isEqualTo("max_tokens");
    CompletionRequest whole = valid(record("id", "{\"model\":\"m\",\"prompt\":\"p\",\"stream\":true,\"Stream\":false}",
        new RecordHeaders()));
    assertThat(whole.stream()).isFalse();
  }

  @Test
  void aStreamAskedForByBodyOrHeaderIsSentAsAStreamThatEndsWithItsUsage() {
    RecordHeaders header = new RecordHeaders();
    header.add(ProtocolHeaders.RELAY_STREAM, "TRUE".getBytes(StandardCharsets.UTF_8));
    CompletionRequest byHeader = valid(record("h", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}],"
        + "\"Stream_Options\":{\"include_usage\":false,\"x\":1}}", header));
    assertThat(byHeader.stream()).isTrue();
    assertThat(new String(byHeader.body(), StandardCharsets.UTF_8)).isEqualTo("{\"model\":\"m\",\"messages\":"
        + "[{\"role\":\"user\"}],\"stream\":true,\"stream_options\":{\"x\":1,\"include_usage\":true}}");
    RecordHeaders no = new RecordHeaders();
    no.add(ProtocolHeaders.RELAY_STREAM, "1".getBytes(StandardCharsets.UTF_8));
    assertThat(valid(record("n", "{\"model\":\"m\",\"prompt\":\"p\"}", no)).stream()).isFalse();
    RecordHeaders versioned = new RecordHeaders();
    versioned.add(ProtocolHeaders.ANTHROPIC_VERSION, "2023-06-01".getBytes(StandardCharsets.UTF_8));
    CompletionRequest messages = valid(record("m", "{\"model\":\"m\",\"max_tokens\":9,\"stream\":true,"
        + "\"messages\":[{\"role\":\"user\"}]}", versioned));
    // Anthropic's stream carries its usage unasked; it knows no stream_options.
    assertThat(new String(messages.body(), StandardCharsets.UTF_8))
        .isEqualTo("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\"}],\"stream\":true}");
    assertThat(refusal("{\"model\":\"m\",\"input\":\"a\",\"stream\":true}").error().message())
        .startsWith("embeddings are not streamed");
    assertThat(refusal("{\"model\":\"m\",\"prompt\":\"p\",\"stream_options\":[]}").error().param())
        .isEqualTo("stream_options");
  }

  @Test
  void refusesRequestsOverTheCostLimitsBeforeAnyCall() {
    Map<String, String> over = Map.of(
        "{\"model\":\"m\",\"prompt\":\"p\",\"n\":129}", "n is 129, over the limit of 128 (request.max.n)",
        "{\"model\":\"m\",\"prompt\":\"p\",\"best_of\":21}", "best_of is 21, over the limit of 20",
        "{\"model\":\"m\",\"prompt\":\"p\",\"max_tokens\":4097}", "max_tokens is 4097, over the limit of 4096",
        "{\"model\":\"m\",\"prompt\":\"p\",\"max_tokens\":99999999999999999999999}", "max_tokens is beyond 2^63",
        "{\"model\":\"m\",\"prompt\":[" + "\"p\",".repeat(16) + "\"p\"]}", "prompt holds 17 prompts, over the limit of 16",
        "{\"model\":\"m\",\"prompt\":[" + "[1],".repeat(16) + "[2]]}", "prompt holds 17 prompts");
    over.forEach((body, message) -> {
      ParsedRecord.Invalid invalid = refusal(body);
      assertThat(invalid.error().type()).as(body).isEqualTo(ErrorType.INVALID_REQUEST);
      assertThat(invalid.error().message()).as(body).contains(message);
      assertThat(invalid.dlqReason()).as(body).isEqualTo("cost_limit");
    });
    // A list of token ids is one prompt, however long.
    valid(record("id", "{\"model\":\"m\",\"prompt\":[" + "1,".repeat(100) + "2],\"n\":128,\"max_tokens\":4096}",
        new RecordHeaders()));
  }

  @Test
  void cutsFarDeadlinesToTheMaximumFromTheRecordTimestamp() {
    RecordHeaders farText = new RecordHeaders();
    farText.add(ProtocolHeaders.DEADLINE_MS, Long.toString(Long.MAX_VALUE).getBytes(StandardCharsets.UTF_8));
    RecordHeaders farBinary = new RecordHeaders();
    farBinary.add(ProtocolHeaders.DEADLINE_MS, ByteBuffer.allocate(8).putLong(NOW.plus(Duration.ofDays(30))
        .toEpochMilli()).array());
    RecordHeaders near = new RecordHeaders();
    near.add(ProtocolHeaders.DEADLINE_MS, Long.toString(NOW.plusSeconds(60).toEpochMilli()).getBytes(StandardCharsets.UTF_8));

    assertThat(valid(record("id", BODY, farText)).deadline()).isEqualTo(NOW.plus(Duration.ofHours(24)));
    assertThat(valid(record("id", BODY, farBinary)).deadline()).isEqualTo(NOW.plus(Duration.ofHours(24)));
    assertThat(valid(record("id", BODY, near)).deadline()).isEqualTo(NOW.plusSeconds(60));
  }

  @Test
  void refusesContentAfterTheObjectAndNonObjects() {
    assertThat(refusal("{\"model\":\"m\",\"prompt\":\"p\"} trailing").dlqReason()).isEqualTo("not_json");
    assertThat(refusal("[1]").error().message()).contains("must be a JSON object, was array");
    assertThat(refusal("  ").error().message()).contains("must be a JSON object, was nothing");
    assertThat(refusal("{\"model\":null,\"prompt\":\"p\"}").error().message()).contains("model is required");
  }

  @Test
  void aBodyWithInputIsAnEmbeddingsRequestWrittenAsTheRelayReadsIt() throws Exception {
    CompletionRequest request = valid(record("e", "{\"Input\":\"ignored\",\"model\":\"text-embedding-3-small\","
        + "\"input\":[\"a\",\"b\"],\"Dimensions\":8,\"user\":null}", new RecordHeaders()));
    assertThat(request.endpoint()).isEqualTo(RelayApi.EMBEDDINGS);
    // Field names folded, the last spelling winning, nulls dropped, names sorted: equal requests encode equally.
    assertThat(new String(request.body(), StandardCharsets.UTF_8))
        .isEqualTo("{\"dimensions\":8,\"input\":[\"a\",\"b\"],\"model\":\"text-embedding-3-small\"}");
    RecordHeaders named = new RecordHeaders();
    named.add(ProtocolHeaders.ENDPOINT, "/v1/embeddings".getBytes(StandardCharsets.UTF_8));
    assertThat(valid(record("t", "{\"model\":\"m\",\"input\":[[1,2],[3]]}", named)).endpoint())
        .isEqualTo(RelayApi.EMBEDDINGS);
    // A prompt makes it a completion, whatever else it holds.
    assertThat(valid(record("p", "{\"model\":\"m\",\"prompt\":\"p\",\"input\":\"x\"}", new RecordHeaders()))
        .endpoint()).isEqualTo(RelayApi.COMPLETIONS);
  }

  @Test
  void aMessagesBodyIsRecognisedByItsVersionHeaderOrTheEndpointAndNeedsMaxTokens() {
    String body = "{\"model\":\"claude-3-5-haiku-20241022\",\"max_tokens\":64,\"system\":\"terse\","
        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}";
    RecordHeaders versioned = new RecordHeaders();
    versioned.add(ProtocolHeaders.ANTHROPIC_VERSION, "2023-06-01".getBytes(StandardCharsets.UTF_8));
    RecordHeaders named = new RecordHeaders();
    named.add(ProtocolHeaders.ENDPOINT, "/v1/messages".getBytes(StandardCharsets.UTF_8));

    CompletionRequest request = valid(record("m", body, versioned));

    assertThat(request.endpoint()).isEqualTo(RelayApi.MESSAGES);
    assertThat(new String(request.body(), StandardCharsets.UTF_8)).isEqualTo(body); // sent as written
    assertThat(valid(record("n", body, named)).endpoint()).isEqualTo(RelayApi.MESSAGES);
    assertThat(valid(record("c", body, new RecordHeaders())).endpoint()).isEqualTo(RelayApi.CHAT_COMPLETIONS);
    assertThat(refusal(record("x", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        versioned)).message()).isEqualTo("max_tokens is required for /v1/messages");
    assertThat(refusal(record("y", "{\"model\":\"m\",\"max_tokens\":9,\"messages\":[]}", versioned)).message())
        .contains("messages must be a non-empty array");
    assertThat(refusal(record("z", "{\"model\":\"m\",\"max_tokens\":9999999,\"messages\":[{\"role\":\"user\"}]}",
        versioned)).message()).startsWith("max_tokens is 9999999, over the limit of");
    assertThat(valid(record("s", "{\"model\":\"m\",\"max_tokens\":9,\"stream\":true,\"messages\":[{\"role\":\"user\"}]}",
        versioned)).stream()).isTrue();
  }

  @Test
  void refusesEmbeddingsInputsTheRelayWouldRefuse() {
    assertThat(refusal("{\"model\":\"m\",\"input\":\"\"}").error().message())
        .isEqualTo("input must not be an empty string");
    assertThat(refusal("{\"model\":\"m\",\"input\":[]}").error().message()).isEqualTo("input must not be an empty array");
    assertThat(refusal("{\"model\":\"m\",\"input\":[\"a\",3]}").error().message())
        .isEqualTo("input[1] must be a string, was number");
    assertThat(refusal("{\"model\":\"m\",\"input\":[\"a\",\"\"]}").error().message())
        .isEqualTo("input[1] must be not empty, was an empty string");
    assertThat(refusal("{\"model\":\"m\",\"input\":[[1],[]]}").error().message())
        .startsWith("input[1] must be a non-empty array of token ids");
    assertThat(refusal("{\"model\":\"m\",\"input\":[1,-2]}").error().message())
        .startsWith("input[1] must be a token id");
    assertThat(refusal("{\"model\":\"m\",\"input\":{\"a\":1}}").error().message())
        .isEqualTo("input must be a string, an array of strings, or token ids, was object");
    ArrayNode tooMany = new ObjectMapper().createArrayNode();
    for (int i = 0; i <= EmbeddingInput.MAX_ITEMS; i++) {
      tooMany.add("x");
    }
    assertThat(EmbeddingInput.problem(tooMany)).isEqualTo("input holds 2049 items, over the relay's limit of 2048 per request");
    assertThat(refusal("{\"model\":\"m\",\"input\":\"a\",\"encoding_format\":\"int8\"}").error().param())
        .isEqualTo("encoding_format");
    assertThat(refusal("{\"model\":\"m\",\"input\":\"a\",\"dimensions\":0}").error().message())
        .isEqualTo("dimensions must be a positive integer");
    assertThat(refusal("{\"model\":\"m\",\"input\":\"a\",\"dimensions\":1.5}").error().message())
        .isEqualTo("dimensions must be an integer, was number");
    RecordHeaders named = new RecordHeaders();
    named.add(ProtocolHeaders.ENDPOINT, "/v1/embeddings".getBytes(StandardCharsets.UTF_8));
    assertThat(refusal(record("n", "{\"model\":\"m\",\"prompt\":\"p\"}", named)).message())
        .isEqualTo("input is required for /v1/embeddings");
  }

  private ParsedRecord.Invalid refusal(String body) {
    ParsedRecord parsed = parser.parse(record("id", body, new RecordHeaders()), NOW);
    assertThat(parsed).as(body).isInstanceOf(ParsedRecord.Invalid.class);
    return (ParsedRecord.Invalid) parsed;
  }

  private ReplyError refusal(ConsumerRecord<byte[], byte[]> record) {
    ParsedRecord parsed = parser.parse(record, NOW);
    assertThat(parsed).isInstanceOf(ParsedRecord.Invalid.class);
    return ((ParsedRecord.Invalid) parsed).error();
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
