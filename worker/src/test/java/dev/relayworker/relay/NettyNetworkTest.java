package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Netty transport on a real network's habits: host names looked up off its event loop, and
 * relays reached through an HTTP proxy's {@code CONNECT} tunnel (plain, and TLS inside it).
 */
class NettyNetworkTest {

  private static final String KEY = RawRelayContractTest.KEY;
  private static final byte[] BODY = RawRelayContractTest.body("hello");
  private static final Duration CALL = Duration.ofSeconds(10);

  private final RelaySimulator simulator = RelaySimulator.start(SimulatorSettings.defaults().withApiKey(KEY), 0);

  @AfterEach
  void stop() {
    simulator.close();
  }

  @Test
  void aSlowHostLookupHoldsOnlyTheCallThatNeedsIt() throws Exception {
    CountDownLatch lookupMayAnswer = new CountDownLatch(1);
    AtomicBoolean slow = new AtomicBoolean();
    OffLoopResolver resolver = new OffLoopResolver(host -> {
      if (slow.get()) {
        awaitQuietly(lookupMayAnswer);
      }
      return new InetAddress[] {InetAddress.getLoopbackAddress()};
    });
    RelayEndpoint endpoint = RelayEndpoint.of("http://relay.test:" + simulator.port(), KEY)
        .withConnections(2, Duration.ofMinutes(1));
    NettyRelayClient client = new NettyRelayClient(endpoint, new ObjectMapper(), Clock.systemUTC(),
        new AnswerMemory(64L * 1024 * 1024), null, resolver);
    client.send(BODY, CALL).join();

    slow.set(true);
    CompletableFuture<Completion> onTheOpenConnection = client.send(BODY, CALL);
    CompletableFuture<Completion> needingANewOne = client.send(BODY, CALL);
    Completion first = onTheOpenConnection.get(5, TimeUnit.SECONDS);
    boolean secondWaited = !needingANewOne.isDone();
    lookupMayAnswer.countDown();
    Completion second = needingANewOne.get(5, TimeUnit.SECONDS);
    client.close();

    assertThat(first.httpStatus()).isEqualTo(200);
    assertThat(secondWaited).isTrue();
    assertThat(second.httpStatus()).isEqualTo(200);
  }

  @Test
  void reachesTheRelayThroughAProxyTunnelWithItsCredentials() throws Exception {
    try (TunnelProxy proxy = TunnelProxy.start(true)) {
      RelayClient client = open(RelayEndpoint.of(simulator.baseUri().toString(), KEY)
          .withProxy(RelayProxy.parse("http://user:pa%40ss@127.0.0.1:" + proxy.port(), "relay.http.proxy")));

      Completion completion = client.send(BODY, CALL).join();
      client.close();

      assertThat(completion.httpStatus()).isEqualTo(200);
      assertThat(proxy.heads()).hasSize(1);
      assertThat(proxy.heads().get(0)).startsWith("CONNECT 127.0.0.1:" + simulator.port() + " HTTP/1.1\r\n")
          .contains("Proxy-Authorization: Basic dXNlcjpwYUBzcw==");
    }
  }

  @Test
  void speaksTlsToTheRelayInsideTheTunnel(@TempDir Path dir) throws Exception {
    NettyRelayClientTest.TestCertificate certificate = NettyRelayClientTest.TestCertificate.forLocalhost(dir);
    try (RelaySimulator secure = RelaySimulator.startTls(SimulatorSettings.defaults().withApiKey(KEY),
        certificate.serverContext()); TunnelProxy proxy = TunnelProxy.start(true)) {
      RelayEndpoint endpoint = RelayEndpoint.of(secure.baseUri().toString(), KEY)
          .withProxy(new RelayProxy("127.0.0.1", proxy.port(), null));
      NettyRelayClient client = new NettyRelayClient(endpoint, new ObjectMapper(), Clock.systemUTC(),
          new AnswerMemory(64L * 1024 * 1024), certificate.trustingClient());

      Completion completion = client.send(BODY, CALL).join();
      client.close();

      assertThat(completion.httpStatus()).isEqualTo(200);
      assertThat(proxy.heads().get(0)).startsWith("CONNECT localhost:" + secure.port() + " ");
    }
  }

  @Test
  void aProxyThatRefusesTheTunnelFailsTheCallTransientlyNamingItsStatus() throws Exception {
    try (TunnelProxy proxy = TunnelProxy.start(false)) {
      RelayClient client = open(RelayEndpoint.of(simulator.baseUri().toString(), KEY)
          .withProxy(new RelayProxy("127.0.0.1", proxy.port(), null)));

      RelayException refused = RawRelayContractTest.failureOf(client.send(BODY, CALL));
      client.close();

      assertThat(refused.kind()).isEqualTo(FailureKind.TRANSIENT);
      assertThat(refused.getMessage()).contains("the proxy refused the tunnel").contains("407");
      assertThat(simulator.stats().calls()).isZero();
    }
  }

  private static RelayClient open(RelayEndpoint endpoint) {
    return endpoint.open(new ObjectMapper(), Clock.systemUTC(), new AnswerMemory(64L * 1024 * 1024));
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * An HTTP proxy that only tunnels: reads a {@code CONNECT} head, connects to its target and
   * pipes bytes both ways; or, when told to refuse, answers 407. Keeps every head it read.
   */
  private static final class TunnelProxy implements AutoCloseable {
    private final ServerSocket server;
    private final boolean opens;
    private final List<String> heads = new CopyOnWriteArrayList<>();

    private TunnelProxy(ServerSocket server, boolean opens) {
      this.server = server;
      this.opens = opens;
    }

    static TunnelProxy start(boolean opens) throws IOException {
      ServerSocket server = new ServerSocket();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      TunnelProxy proxy = new TunnelProxy(server, opens);
      daemon(proxy::accept);
      return proxy;
    }

    int port() {
      return server.getLocalPort();
    }

    List<String> heads() {
      return heads;
    }

    private void accept() {
      try {
        while (true) {
          Socket client = server.accept();
          daemon(() -> tunnel(client));
        }
      } catch (IOException closed) {
        // The test is over.
      }
    }

    private void tunnel(Socket client) {
      try (client) {
        String head = head(client.getInputStream());
        heads.add(head);
        OutputStream toClient = client.getOutputStream();
        if (!opens) {
          toClient.write("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n"
              .getBytes(StandardCharsets.ISO_8859_1));
          return;
        }
        String[] target = head.substring("CONNECT ".length(), head.indexOf(' ', "CONNECT ".length())).split(":");
        try (Socket relay = new Socket(target[0], Integer.parseInt(target[1]))) {
          toClient.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
          Thread back = daemon(() -> pipe(relay, client));
          pipe(client, relay);
          back.join(5_000);
        }
      } catch (IOException | InterruptedException e) {
        // Either side hung up.
      }
    }

    private static void pipe(Socket from, Socket to) {
      try {
        from.getInputStream().transferTo(to.getOutputStream());
        to.shutdownOutput();
      } catch (IOException e) {
        // Either side hung up.
      }
    }

    private static String head(InputStream in) throws IOException {
      ByteArrayOutputStream head = new ByteArrayOutputStream();
      while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
        int b = in.read();
        if (b < 0) {
          break;
        }
        head.write(b);
      }
      return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static Thread daemon(Runnable task) {
      Thread thread = new Thread(task, "tunnel-proxy");
      thread.setDaemon(true);
      thread.start();
      return thread;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
