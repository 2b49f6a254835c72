package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.testkit.RawRelay;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every transport must do with relays written on raw sockets ({@link RawRelay}), whose
 * habits an HTTP library would hide: interim 1xx answers before the answer are skipped, so each call
 * gets the answer to its own request (many calls at once over a few pooled connections, completions
 * echoing the prompt they answer, so an answer taken by the wrong call would show); no compression
 * is asked for, and a compressed answer is decoded within the answer cap, never retried.
 */
abstract class RawRelayContractTest {

  static final String KEY = "sk-test-0123456789abcdef";
  static final int CALLS = 40;

  /** The transport under test. */
  abstract RelayTransport transport();

  RelayClient open(RawRelay relay, int connections) {
    return RelayEndpoint.of(relay.baseUri().toString(), KEY).withTransport(transport())
        .withConnections(connections, Duration.ofMinutes(1))
        .open(new ObjectMapper(), Clock.systemUTC(), new AnswerMemory(64L * 1024 * 1024));
  }

  /** The interim answers tried: alone, several in a row, with headers of their own. */
  static final String CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";
  static final String PROCESSING = "HTTP/1.1 102 Processing\r\n\r\n";
  static final String EARLY_HINTS = "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n";

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"100 alone", "102 alone", "103 alone", "100 then 103 then 102", "100 in its own segment",
      "103 in its own segment"})
  void skipsInterimAnswersSoEachCallGetsItsOwnAnswer(String kind) {
    String interim = kind.startsWith("100 then") ? CONTINUE + EARLY_HINTS + PROCESSING
        : kind.startsWith("100") ? CONTINUE : kind.startsWith("102") ? PROCESSING : EARLY_HINTS;
    boolean ownSegment = kind.endsWith("segment");
    try (RawRelay relay = RawRelay.start(exchange -> {
      String answer = RawRelay.ok("cmpl-" + exchange.overall, "echo:" + exchange.prompt());
      if (ownSegment) {
        exchange.write(interim);
        RawRelay.pause(5);
        exchange.write(answer);
      } else {
        exchange.write(interim + answer);
      }
    })) {
      RelayClient client = open(relay, 4);
      List<CompletableFuture<Completion>> calls = new ArrayList<>();
      for (int i = 0; i < CALLS; i++) {
        calls.add(client.send(RelayApi.COMPLETIONS, body("p" + i), Duration.ofSeconds(10)));
      }

      for (int i = 0; i < CALLS; i++) {
        assertThat(text(calls.get(i).join())).as("call %d", i).contains("\"text\":\"echo:p" + i + "\"");
      }
      client.close();
      assertThat(relay.requests()).isEqualTo(CALLS);
    }
  }

  @Test
  void asksForNoCompressionAndReadsAGzippedAnswerAnyway() throws Exception {
    byte[] gzipped = gzip(RawRelay.completion("cmpl-z", "echo:zipped"));
    try (RawRelay relay = RawRelay.start(exchange -> {
      exchange.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"
          + "Content-Length: " + gzipped.length + "\r\n\r\n");
      exchange.write(gzipped);
    })) {
      RelayClient client = open(relay, 1);

      Completion completion = client.send(RelayApi.COMPLETIONS, body("zipped"), Duration.ofSeconds(10)).join();
      client.close();

      assertThat(text(completion)).contains("echo:zipped");
      assertThat(completion.usage()).isPresent();
      assertThat(relay.received().get(0).headers).containsEntry("accept-encoding", "identity");
    }
  }

  @Test
  void aCompressionItCannotReadIsFinalAndNamed() {
    try (RawRelay relay = RawRelay.start(exchange -> exchange.write("HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n"
        + "Content-Length: 4\r\n\r\nxxxx"))) {
      RelayClient client = open(relay, 1);

      RelayException failure = failureOf(client.send(RelayApi.COMPLETIONS, body("brotli"), Duration.ofSeconds(10)));
      client.close();

      assertThat(failure.kind()).isEqualTo(FailureKind.FINAL);
      assertThat(failure.getMessage()).contains("Content-Encoding 'br'");
    }
  }

  @Test
  void aGzipBombIsCutAtTheAnswerCap() throws Exception {
    byte[] bomb = gzip(" ".repeat(8 * 1024 * 1024));
    try (RawRelay relay = RawRelay.start(exchange -> {
      exchange.write("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + bomb.length + "\r\n\r\n");
      exchange.write(bomb);
    })) {
      RelayClient client = open(relay, 1);

      RelayException failure = failureOf(client.send(RelayApi.COMPLETIONS, body("bomb"), Duration.ofSeconds(10)));
      client.close();

      assertThat(bomb.length).isLessThan(64 * 1024);
      assertThat(failure.kind()).isEqualTo(FailureKind.FINAL);
      assertThat(failure.getMessage()).contains("relay.max.response.bytes");
    }
  }

  static byte[] gzip(String text) throws java.io.IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(bytes)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  static byte[] body(String prompt) {
    return ("{\"model\":\"davinci-002\",\"prompt\":\"" + prompt + "\"}").getBytes(StandardCharsets.UTF_8);
  }

  static String text(Completion completion) {
    return new String(completion.body(), StandardCharsets.UTF_8);
  }

  static RelayException failureOf(CompletableFuture<Completion> call) {
    try {
      call.join();
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(RelayException.class);
      return (RelayException) e.getCause();
    }
    throw new AssertionError("the call succeeded");
  }
}
