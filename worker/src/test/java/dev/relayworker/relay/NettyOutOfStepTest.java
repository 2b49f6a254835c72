package dev.relayworker.relay;

import static dev.relayworker.relay.RawRelayContractTest.body;
import static dev.relayworker.relay.RawRelayContractTest.failureOf;
import static dev.relayworker.relay.RawRelayContractTest.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.RawRelay;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The Netty transport's guard against a relay out of step with its requests (the class of bug a
 * 1xx taken for an answer belongs to): an answer reaches only the call it was sent for. Each relay
 * here is written on raw sockets and misbehaves in one way; completions echo the prompt they answer.
 * Once a relay is caught, every later call has a connection of its own ({@code Connection: close}).
 */
class NettyOutOfStepTest {

  private static final Duration CALL = Duration.ofSeconds(10);

  @Test
  void a101FailsTheCallTransientlyAndItsConnectionIsNotReused() {
    try (RawRelay relay = RawRelay.start(exchange -> {
      if (exchange.overall == 0) {
        exchange.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        exchange.write(RawRelay.ok("cmpl-stale", "echo:never"));
      } else {
        exchange.write(RawRelay.ok("cmpl-" + exchange.overall, "echo:" + exchange.prompt()));
      }
    })) {
      RelayClient client = open(relay, 1);

      RelayException switched = failureOf(client.send(RelayApi.COMPLETIONS, body("first"), CALL));
      Completion next = client.send(RelayApi.COMPLETIONS, body("second"), CALL).join();
      client.close();

      assertThat(switched.kind()).isEqualTo(FailureKind.TRANSIENT);
      assertThat(switched.getMessage()).contains("101 Switching Protocols");
      assertThat(text(next)).contains("echo:second");
      assertThat(relay.connections()).isEqualTo(2);
    }
  }

  @Test
  void anAnswerFollowedByAnotherInOneWriteNeverReachesTheNextCall() {
    try (RawRelay relay = RawRelay.start(exchange -> exchange.write(
        RawRelay.ok("cmpl-" + exchange.overall, "echo:" + exchange.prompt())
            + RawRelay.ok("cmpl-extra-" + exchange.overall, "echo:stale-" + exchange.prompt())))) {
      RelayClient client = open(relay, 4);
      List<CompletableFuture<Completion>> calls = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        calls.add(client.send(RelayApi.COMPLETIONS, body("p" + i), CALL));
      }

      for (int i = 0; i < calls.size(); i++) {
        assertThat(text(calls.get(i).join())).as("call %d", i).contains("\"text\":\"echo:p" + i + "\"");
      }
      client.close();

      assertThat(relay.requests()).isEqualTo(40);
      // The four sent at once went out before the relay was caught; every later one on a connection of its own.
      assertThat(relay.received()).filteredOn(exchange -> "close".equals(exchange.headers.get("connection")))
          .hasSizeGreaterThanOrEqualTo(36);
    }
  }

  @Test
  void bytesOnAnIdleConnectionCloseItBeforeAnotherCallCanTakeThem() {
    try (RawRelay relay = RawRelay.start(exchange -> {
      exchange.write(RawRelay.ok("cmpl-" + exchange.overall, "echo:" + exchange.prompt()));
      if (exchange.overall == 0) {
        RawRelay.pause(100);
        exchange.write(RawRelay.ok("cmpl-late", "echo:late"));
      }
    })) {
      NettyRelayClient client = (NettyRelayClient) open(relay, 1);
      Completion first = client.send(RelayApi.COMPLETIONS, body("first"), CALL).join();

      Await.until("the connection the late answer came on to be closed", Duration.ofSeconds(10),
          () -> client.openConnections() == 0);
      Completion second = client.send(RelayApi.COMPLETIONS, body("second"), CALL).join();
      client.close();

      assertThat(text(first)).contains("echo:first");
      assertThat(text(second)).contains("echo:second");
      assertThat(relay.connections()).isEqualTo(2);
    }
  }

  @Test
  void aServerClosingAnIdleConnectionWith408IsNotOutOfStep() {
    try (RawRelay relay = RawRelay.start(exchange -> {
      exchange.write(RawRelay.ok("cmpl-" + exchange.overall, "echo:" + exchange.prompt()));
      if (exchange.overall == 0) {
        RawRelay.pause(100);
        exchange.write("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 9\r\n\r\nidle, bye");
        exchange.close();
      }
    })) {
      NettyRelayClient client = (NettyRelayClient) open(relay, 1);
      client.send(RelayApi.COMPLETIONS, body("first"), CALL).join();

      Await.until("the idle connection to be closed", Duration.ofSeconds(10), () -> client.openConnections() == 0);
      Completion second = client.send(RelayApi.COMPLETIONS, body("second"), CALL).join();
      Completion third = client.send(RelayApi.COMPLETIONS, body("third"), CALL).join();
      client.close();

      assertThat(text(second)).contains("echo:second");
      assertThat(text(third)).contains("echo:third");
      assertThat(relay.received()).noneMatch(exchange -> exchange.headers.containsKey("connection"));
      assertThat(relay.connections()).as("the second connection pooled as usual").isEqualTo(2);
    }
  }

  @Test
  void anAnswerRepeatedLateOnABusyConnectionFailsTheCallItReachedInsteadOfAnsweringIt() {
    try (RawRelay relay = RawRelay.start(exchange -> {
      String answer = RawRelay.ok("cmpl-" + exchange.overall, "echo:" + exchange.prompt());
      exchange.write(answer);
      if (exchange.overall == 0) {
        exchange.awaitNextRequest();
        exchange.write(answer); // Arrives after the next call was written on the same connection.
      }
    })) {
      RelayClient client = open(relay, 1);
      Completion first = client.send(RelayApi.COMPLETIONS, body("first"), CALL).join();
      CompletableFuture<Completion> second = client.send(RelayApi.COMPLETIONS, body("second"), CALL);

      RelayException repeated = failureOf(second);
      Completion third = client.send(RelayApi.COMPLETIONS, body("third"), CALL).join();
      client.close();

      assertThat(text(first)).contains("echo:first");
      assertThat(repeated.kind()).isEqualTo(FailureKind.TRANSIENT);
      assertThat(repeated.getMessage()).contains("the very answer it had given the previous call");
      assertThat(text(third)).contains("echo:third");
      assertThat(relay.received()).filteredOn(exchange -> exchange.prompt().equals("third")).singleElement()
          .satisfies(exchange -> assertThat(exchange.headers).containsEntry("connection", "close"));
    }
  }

  @Test
  void theSameAnswerToTheSameRequestIsInStep() {
    try (RawRelay relay = RawRelay.start(exchange -> exchange.write(RawRelay.ok("cmpl-cached", "echo:cached")))) {
      RelayClient client = open(relay, 1);

      for (int i = 0; i < 3; i++) {
        assertThat(text(client.send(RelayApi.COMPLETIONS, body("same"), CALL).join())).contains("echo:cached");
      }
      client.close();

      assertThat(relay.connections()).isEqualTo(1);
    }
  }

  @Test
  void aCannedStubCostsOneRetriedCallAndIsThenReusedAsBefore() {
    try (RawRelay relay = RawRelay.start(exchange -> exchange.write(RawRelay.ok("cmpl-canned", "canned")))) {
      RelayClient client = open(relay, 1);

      Completion first = client.send(RelayApi.COMPLETIONS, body("p0"), CALL).join();
      RelayException taken = failureOf(client.send(RelayApi.COMPLETIONS, body("p1"), CALL));
      List<Completion> later = new ArrayList<>();
      for (int i = 2; i < 6; i++) {
        later.add(client.send(RelayApi.COMPLETIONS, body("p" + i), CALL).join());
      }
      client.close();

      assertThat(text(first)).contains("canned");
      assertThat(taken.kind()).isEqualTo(FailureKind.TRANSIENT);
      assertThat(later).allSatisfy(answer -> assertThat(text(answer)).contains("canned"));
      assertThat(relay.received().get(5).headers).doesNotContainKey("connection");
      assertThat(relay.connections()).isEqualTo(2);
    }
  }

  @Test
  void anAnswerWithBothLengthsFailsAndItsConnectionIsNotReused() {
    try (RawRelay relay = RawRelay.start(exchange -> {
      String json = RawRelay.completion("cmpl-" + exchange.overall, "echo:" + exchange.prompt());
      exchange.write(exchange.overall > 0 ? RawRelay.response(200, "OK", json)
          : "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
              + Integer.toHexString(json.length()) + "\r\n" + json + "\r\n0\r\n\r\n");
    })) {
      RelayClient client = open(relay, 1);

      RelayException smuggled = failureOf(client.send(RelayApi.COMPLETIONS, body("one"), CALL));
      Completion second = client.send(RelayApi.COMPLETIONS, body("two"), CALL).join();
      client.close();

      assertThat(smuggled.kind()).isEqualTo(FailureKind.TRANSIENT);
      assertThat(smuggled.getMessage()).contains("not valid HTTP/1.1");
      assertThat(text(second)).contains("echo:two");
      assertThat(relay.connections()).isEqualTo(2);
    }
  }

  private static RelayClient open(RawRelay relay, int connections) {
    return RelayEndpoint.of(relay.baseUri().toString(), RawRelayContractTest.KEY).withTransport(RelayTransport.NETTY)
        .withConnections(connections, Duration.ofMinutes(1))
        .open(new ObjectMapper(), Clock.systemUTC(), new AnswerMemory(64L * 1024 * 1024));
  }
}
