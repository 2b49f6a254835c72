package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testkit.Await;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.KeyManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Netty transport ({@code relay.http.client=netty}, the default) against the common contract,
 * plus what only it promises: its connection pool, its own thread, and TLS it checks itself.
 */
class NettyRelayClientTest extends RelayClientContractTest {

  private static final Duration CALL = Duration.ofSeconds(10);

  @Override
  RelayTransport transport() {
    return RelayTransport.NETTY;
  }

  @Test
  void keepsNoMoreConnectionsThanItsCapAndReusesThem() {
    simulator.reconfigure(simulator.settings().withLatency(Duration.ofMillis(50), Duration.ZERO));
    NettyRelayClient pooled = (NettyRelayClient) open(endpoint().withConnections(4, Duration.ofMinutes(1)));
    List<CompletableFuture<Completion>> calls = new ArrayList<>();

    for (int i = 0; i < 40; i++) {
      calls.add(pooled.send(BODY, CALL));
    }
    calls.forEach(CompletableFuture::join);
    pooled.send(BODY, CALL).join();
    int open = pooled.openConnections();
    pooled.close();

    assertThat(open).isEqualTo(4);
    assertThat(simulator.stats().maxConcurrentCalls()).isEqualTo(4);
    assertThat(simulator.stats().calls()).isEqualTo(41);
  }

  @Test
  void aConnectionTheRelayDroppedWhileIdleIsReplacedNotFailed() {
    NettyRelayClient pooled = (NettyRelayClient) open(endpoint());
    pooled.send(BODY, CALL).join();

    simulator.dropConnections();
    Await.until("the client to see its connection closed", Duration.ofSeconds(10),
        () -> pooled.openConnections() == 0);
    Completion next = pooled.send(BODY, CALL).join();
    pooled.close();

    assertThat(next.httpStatus()).isEqualTo(200);
  }

  @Test
  void closesConnectionsThatSatIdlePastTheIdleTimeout() {
    NettyRelayClient pooled = (NettyRelayClient) open(endpoint().withConnections(8, Duration.ofMillis(300)));
    pooled.send(BODY, CALL).join();

    Await.until("the idle connection to be closed", Duration.ofSeconds(10), () -> simulator.openConnections() == 0);
    int open = pooled.openConnections();
    pooled.close();

    assertThat(open).isZero();
  }

  @Test
  void completesAnswersOnItsOwnEventLoopThread() {
    simulator.reconfigure(simulator.settings().withLatency(Duration.ofMillis(200), Duration.ZERO));
    RelayClient client = open(endpoint());

    String thread = client.send(BODY, CALL).thenApply(answer -> Thread.currentThread().getName()).join();
    client.close();

    assertThat(thread).startsWith("relay-io");
  }

  @Test
  void speaksTlsToARelayWhoseCertificateNamesItsHost(@TempDir Path dir) throws Exception {
    TestCertificate certificate = TestCertificate.forLocalhost(dir);
    try (RelaySimulator secure = RelaySimulator.startTls(SimulatorSettings.defaults().withApiKey(KEY),
        certificate.serverContext())) {
      NettyRelayClient client = tlsClient(secure.baseUri().toString(), certificate.trustingClient());

      Completion completion = client.send(BODY, CALL).join();
      client.close();

      assertThat(secure.baseUri().getScheme()).isEqualTo("https");
      assertThat(completion.httpStatus()).isEqualTo(200);
    }
  }

  @Test
  void refusesACertificateThatNamesAnotherHost(@TempDir Path dir) throws Exception {
    TestCertificate certificate = TestCertificate.forLocalhost(dir);
    try (RelaySimulator secure = RelaySimulator.startTls(SimulatorSettings.defaults().withApiKey(KEY),
        certificate.serverContext())) {
      // The certificate names localhost; reached as 127.0.0.1 it must not be trusted.
      NettyRelayClient client = tlsClient("https://127.0.0.1:" + secure.port(), certificate.trustingClient());

      RelayException failure = failure(() -> client.send(BODY, CALL).join());
      client.close();

      assertThat(failure.httpStatus()).isZero();
      assertThat(failure.getMessage()).contains("SSLHandshakeException");
      assertThat(secure.stats().calls()).isZero();
    }
  }

  @Test
  void refusesACertificateTheJvmDoesNotTrust(@TempDir Path dir) throws Exception {
    TestCertificate certificate = TestCertificate.forLocalhost(dir);
    try (RelaySimulator secure = RelaySimulator.startTls(SimulatorSettings.defaults().withApiKey(KEY),
        certificate.serverContext())) {
      RelayClient client = open(RelayEndpoint.of(secure.baseUri().toString(), KEY));

      RelayException failure = failure(() -> client.send(BODY, CALL).join());
      client.close();

      assertThat(failure.getMessage()).contains("SSLHandshakeException");
      assertThat(secure.stats().calls()).isZero();
    }
  }

  private RelayEndpoint endpoint() {
    return RelayEndpoint.of(simulator.baseUri().toString(), KEY);
  }

  private NettyRelayClient tlsClient(String baseUrl, SslContext trusting) {
    return new NettyRelayClient(RelayEndpoint.of(baseUrl, KEY), new ObjectMapper(), Clock.systemUTC(), memory,
        trusting);
  }

  /** A self-signed certificate for {@code localhost}, made with the JDK's keytool. */
  record TestCertificate(KeyStore store, char[] password) {

    static TestCertificate forLocalhost(Path dir) throws Exception {
      Path file = dir.resolve("relay.p12");
      String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
      Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "relay", "-keyalg", "EC",
          "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2",
          "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", "changeit", "-keypass", "changeit")
          .redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes());
      assertThat(process.waitFor()).as(output).isZero();
      KeyStore store = KeyStore.getInstance("PKCS12");
      try (InputStream in = Files.newInputStream(file)) {
        store.load(in, "changeit".toCharArray());
      }
      return new TestCertificate(store, "changeit".toCharArray());
    }

    SslContext serverContext() throws Exception {
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      return SslContextBuilder.forServer(keys).build();
    }

    SslContext trustingClient() throws Exception {
      return SslContextBuilder.forClient().trustManager((X509Certificate) store.getCertificate("relay"))
          .endpointIdentificationAlgorithm("HTTPS").build();
    }
  }
}
