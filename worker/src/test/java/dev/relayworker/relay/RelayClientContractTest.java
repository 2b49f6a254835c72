package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testkit.RawRelay;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RelayClient} transport must do, one attempt at a time, against the simulator
 * over real loopback HTTP: answers, error statuses, and relays that hang, stall, reset, garble
 * or flood. Each transport's test class extends this one.
 */
abstract class RelayClientContractTest {

  static final String KEY = "sk-test-0123456789abcdef";
  static final byte[] BODY = "{\"model\":\"davinci-002\",\"prompt\":\"hello\",\"x_relay_tag\":\"kept\"}"
      .getBytes(StandardCharsets.UTF_8);

  final AnswerMemory memory = new AnswerMemory(64L * 1024 * 1024);
  RelaySimulator simulator;
  private RelayClient client;

  /** The transport under test. */
  abstract RelayTransport transport();

  @BeforeEach
  void start() {
    simulator = RelaySimulator.start(SimulatorSettings.defaults().withApiKey(KEY), 0);
    client = clientWithKey(KEY);
  }

  @AfterEach
  void stop() {
    client.close();
    simulator.close();
  }

  @Test
  void sendsChatToTheChatEndpointAndReadsItsAnswer() {
    byte[] chat = ("{\"model\":\"davinci-002\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
        + "\"max_tokens\":5}").getBytes(StandardCharsets.UTF_8);

    Completion completion = client.send(RelayApi.CHAT_COMPLETIONS, chat, Duration.ofSeconds(5)).join();
    RelayException atCompletions = failure(() -> client.send(RelayApi.COMPLETIONS, chat, Duration.ofSeconds(5)).join());

    assertThat(new String(completion.body(), StandardCharsets.UTF_8)).contains("\"object\":\"chat.completion\"");
    assertThat(completion.usage()).hasValueSatisfying(usage -> assertThat(usage.completionTokens()).isBetween(1L, 5L));
    assertThat(atCompletions.httpStatus()).isEqualTo(400);
  }

  @Test
  void sendsMessagesWithTheKeyAsXApiKeyOrBearerAndReadsTheMessageAndItsErrors() {
    byte[] messages = ("{\"model\":\"claude-3-5-haiku-20241022\",\"max_tokens\":6,\"system\":\"be brief\","
        + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}")
        .getBytes(StandardCharsets.UTF_8);
    RelayClient bearer = open(RelayEndpoint.of(simulator.baseUri().toString(), KEY).withMessagesKeyHeader(false));

    Completion completion = client.send(RelayApi.MESSAGES, messages, Duration.ofSeconds(5)).join();
    bearer.send(RelayApi.MESSAGES, messages, Duration.ofSeconds(5)).join();
    RelayException noMaxTokens = failure(() -> client.send(RelayApi.MESSAGES, ("{\"model\":\"claude-3-5-haiku-20241022\","
        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes(StandardCharsets.UTF_8),
        Duration.ofSeconds(5)).join());
    bearer.close();

    assertThat(new String(completion.body(), StandardCharsets.UTF_8)).contains("\"type\":\"message\"");
    // Anthropic's usage read in OpenAI's convention: the prompt is every input token kind.
    assertThat(completion.usage()).hasValueSatisfying(usage -> {
      assertThat(usage.promptTokens()).isPositive();
      assertThat(usage.completionTokens()).isBetween(1L, 6L);
    });
    assertThat(simulator.stats().messagesAuth())
        .containsEntry("x-api-key " + RelayEndpoint.ANTHROPIC_VERSION, 2L)
        .containsEntry("bearer " + RelayEndpoint.ANTHROPIC_VERSION, 1L);
    // {"type":"error","error":{"type":"invalid_request_error","message":...}}, read as OpenAI's shape is.
    assertThat(noMaxTokens.httpStatus()).isEqualTo(400);
    assertThat(noMaxTokens.kind()).isEqualTo(FailureKind.FINAL);
    assertThat(noMaxTokens.error().type()).isEqualTo("invalid_request_error");
    assertThat(noMaxTokens.error().message()).contains("max_tokens");
  }

  @Test
  void aStreamTellsEachPieceOfTextBeforeItsAnswerAndAssemblesIt() throws Exception {
    simulator.reconfigure(simulator.settings().withStreamChunkDelay(Duration.ofMillis(5)));
    String chat = "{\"model\":\"davinci-002\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
    Completion whole = client.send(RelayApi.CHAT_COMPLETIONS, (chat + "}").getBytes(StandardCharsets.UTF_8),
        Duration.ofSeconds(5)).join();
    List<String> pieces = new CopyOnWriteArrayList<>();
    AtomicReference<CompletableFuture<Completion>> call = new AtomicReference<>();
    AtomicBoolean answeredBeforeFirstPiece = new AtomicBoolean();

    CompletableFuture<Completion> streamed = client.send(RelayApi.CHAT_COMPLETIONS,
        (chat + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}").getBytes(StandardCharsets.UTF_8),
        Duration.ofSeconds(5), delta -> {
          if (pieces.isEmpty() && call.get() != null && call.get().isDone()) {
            answeredBeforeFirstPiece.set(true);
          }
          pieces.add(delta.text());
        });
    call.set(streamed);
    Completion completion = streamed.join();

    ObjectMapper json = new ObjectMapper();
    JsonNode answer = json.readTree(completion.body());
    JsonNode expected = json.readTree(whole.body());
    assertThat(answeredBeforeFirstPiece).isFalse();
    assertThat(pieces.size()).isGreaterThan(1);
    assertThat(String.join("", pieces)).isEqualTo(expected.at("/choices/0/message/content").asText());
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.path("choices")).isEqualTo(expected.path("choices"));
    assertThat(completion.usage()).isEqualTo(whole.usage());
  }

  @Test
  void aStreamCutHalfWayFailsTransiently() {
    simulator.scriptNext(Fault.CUT);

    RelayException failure = failure(() -> client.send(RelayApi.COMPLETIONS,
        "{\"model\":\"davinci-002\",\"prompt\":\"p\",\"max_tokens\":30,\"stream\":true}".getBytes(StandardCharsets.UTF_8),
        Duration.ofSeconds(5), delta -> { }).join());

    assertThat(failure.isTransient()).isTrue();
  }

  @Test
  void aStreamEndedCleanlyBeforeItsLastEventFailsTransientlyAndAWholeAnswerToAStreamIsTaken() {
    String chunk = "data: {\"id\":\"c1\",\"object\":\"text_completion\",\"model\":\"davinci-002\","
        + "\"choices\":[{\"index\":0,\"text\":\"Half\",\"finish_reason\":null}]}\n\n";
    byte[] stream = "{\"model\":\"davinci-002\",\"prompt\":\"p\",\"stream\":true}".getBytes(StandardCharsets.UTF_8);
    try (RawRelay relay = RawRelay.start(exchange -> exchange.write(exchange.prompt().equals("p")
        ? "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nContent-Length: " + chunk.length() + "\r\n\r\n" + chunk
        : RawRelay.ok("cmpl-whole", "all at once")))) {
      RelayClient raw = open(RelayEndpoint.of(relay.baseUri().toString(), KEY));
      List<String> pieces = new CopyOnWriteArrayList<>();
      // The relay's answer ends where HTTP says, yet no [DONE] came: the text may be cut short.
      RelayException cut = failure(() -> raw.send(RelayApi.COMPLETIONS, stream, Duration.ofSeconds(5),
          delta -> pieces.add(delta.text())).join());
      assertThat(cut.isTransient()).isTrue();
      assertThat(pieces).containsExactly("Half");
      assertThat(cut.getMessage()).contains("ended before its last event");
      // A relay that ignores stream:true and answers whole: the answer is taken as it is.
      Completion whole = raw.send(RelayApi.COMPLETIONS, "{\"model\":\"davinci-002\",\"prompt\":\"q\",\"stream\":true}"
          .getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(5), delta -> pieces.add(delta.text())).join();
      raw.close();
      assertThat(new String(whole.body(), StandardCharsets.UTF_8)).contains("all at once");
      assertThat(whole.usage()).isPresent();
      assertThat(pieces).containsExactly("Half"); // nothing more: a whole answer tells no pieces
    }
  }

  @Test
  void returnsTheAnswerAsReceivedWithUsageParsed() {
    Completion completion = client.send(BODY, Duration.ofSeconds(5)).join();

    String body = new String(completion.body(), StandardCharsets.UTF_8);
    assertThat(body).startsWith("{\"id\":\"cmpl-sim-").contains("\"system_fingerprint\":\"fp_relay_simulator\"");
    assertThat(completion.usage()).hasValueSatisfying(usage -> {
      assertThat(usage.promptTokens()).isEqualTo(1);
      assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
    });
    assertThat(completion.model()).isEqualTo("davinci-002");
  }

  @Test
  void aWrongKeyIsFinalAndTheKeyAppearsNowhere() {
    RelayClient wrongKey = clientWithKey("sk-wrong-key-abcdef123");
    RelayException failure = failure(() -> wrongKey.send(BODY, Duration.ofSeconds(5)).join());
    wrongKey.close();

    assertThat(failure.kind()).isEqualTo(FailureKind.FINAL);
    assertThat(failure.httpStatus()).isEqualTo(401);
    assertThat(failure.error().code()).isEqualTo("invalid_api_key");
    assertThat(failure.toString()).doesNotContain("sk-wrong-key-abcdef123").doesNotContain(KEY);
  }

  @Test
  void a429CarriesTheRetryAfter() {
    simulator.reconfigure(simulator.settings().withRetryAfter(Duration.ofMillis(700)));
    simulator.scriptNext(Fault.RATE_LIMITED);

    RelayException failure = failure(() -> client.send(BODY, Duration.ofSeconds(5)).join());

    assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failure.retryAfter()).contains(Duration.ofMillis(700));
  }

  @Test
  void aMalformedTwoHundredIsTransient() {
    simulator.scriptNext(Fault.MALFORMED);

    RelayException failure = failure(() -> client.send(BODY, Duration.ofSeconds(5)).join());

    assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failure.getMessage()).contains("200").contains("not JSON");
  }

  @Test
  void aHungRelayTimesOutTransiently() {
    simulator.scriptNext(Fault.HANG);

    RelayException failure = failure(() -> client.send(BODY, Duration.ofMillis(300)).join());

    assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failure.httpStatus()).isZero();
    assertThat(failure.getMessage()).contains("HttpTimeoutException");
  }

  @Test
  void aResetConnectionIsTransient() {
    simulator.scriptNext(Fault.RESET);

    RelayException failure = failure(() -> client.send(BODY, Duration.ofSeconds(5)).join());

    assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failure.httpStatus()).isZero();
  }

  @Test
  void aRefusedConnectionIsTransient() {
    int port = simulator.port();
    simulator.close();
    RelayClient nobodyHome = open(RelayEndpoint.of("http://127.0.0.1:" + port, KEY));
    simulator = RelaySimulator.start(SimulatorSettings.defaults(), 0);

    RelayException failure = failure(() -> nobodyHome.send(BODY, Duration.ofSeconds(5)).join());
    nobodyHome.close();

    assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failure.getMessage()).contains("ConnectException");
  }

  @Test
  void aRelayThatStallsAfterItsHeadersIsCutAtTheDeadline() {
    simulator.scriptNext(Fault.STALL);

    // Bounded here so that a client without a whole-call deadline fails this test instead of hanging it.
    RelayException failure = failure(() -> client.send(BODY, Duration.ofMillis(500))
        .orTimeout(15, java.util.concurrent.TimeUnit.SECONDS).join());

    assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failure.getMessage()).contains("HttpTimeoutException").contains("500 ms");
  }

  @Test
  void anEndlessAnswerIsCutOffAtTheCapAndIsFinal() {
    RelayClient capped = open(RelayEndpoint.of(simulator.baseUri().toString(), KEY).withMaxResponseBytes(256 * 1024));
    simulator.scriptNext(Fault.ENDLESS, Fault.BLOATED);

    RelayException endless = failure(() -> capped.send(BODY, Duration.ofSeconds(10)).join());
    RelayException declared = failure(() -> capped.send(BODY, Duration.ofSeconds(10)).join());
    capped.close();

    assertThat(endless.kind()).isEqualTo(FailureKind.FINAL);
    assertThat(endless.httpStatus()).isEqualTo(200);
    assertThat(endless.getMessage()).contains("over relay.max.response.bytes (262144)");
    assertThat(declared.getMessage()).contains("with a body of " + Fault.BLOATED_BYTES + " bytes");
    assertThat(memory.used()).isZero();
  }

  @Test
  void answersThatWouldOverrunTheSharedMemoryFailTransiently() {
    AnswerMemory small = new AnswerMemory(64 * 1024);
    RelayClient tight = RelayEndpoint.of(simulator.baseUri().toString(), KEY).withTransport(transport())
        .open(new ObjectMapper(), Clock.systemUTC(), small);
    simulator.scriptNext(Fault.BLOATED);

    RelayException failure = failure(() -> tight.send(BODY, Duration.ofSeconds(10)).join());
    Completion next = tight.send(BODY, Duration.ofSeconds(10)).join();
    tight.close();

    assertThat(failure.kind()).isEqualTo(FailureKind.TRANSIENT);
    assertThat(failure.getMessage()).contains("share of the heap");
    assertThat(next.body()).isNotEmpty();
    assertThat(small.used()).isZero();
  }

  @Test
  void aBloatedAnswerUnderTheCapIsReadWhole() {
    simulator.scriptNext(Fault.BLOATED);

    Completion completion = client.send(BODY, Duration.ofSeconds(10)).join();

    assertThat(completion.body().length).isBetween(Fault.BLOATED_BYTES - 16, Fault.BLOATED_BYTES);
    assertThat(memory.used()).isZero();
  }

  @Test
  void aKeyThatIsNotAHeaderValueCannotMakeAClient() {
    assertThatThrownBy(() -> clientWithKey("sk-secret-0123456789\u200b"))
        .isInstanceOf(org.apache.kafka.common.config.ConfigException.class)
        .hasMessageContaining("relay.api.key")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-secret-0123456789"));
  }

  RelayClient clientWithKey(String key) {
    return open(RelayEndpoint.of(simulator.baseUri().toString(), key));
  }

  RelayClient open(RelayEndpoint endpoint) {
    return endpoint.withTransport(transport()).open(new ObjectMapper(), Clock.systemUTC(), memory);
  }

  static RelayException failure(Runnable call) {
    CompletionException thrown = catchThrowableOfType(CompletionException.class, call::run);
    assertThat(thrown).isNotNull();
    assertThat(thrown.getCause()).isInstanceOf(RelayException.class);
    return (RelayException) thrown.getCause();
  }
}
