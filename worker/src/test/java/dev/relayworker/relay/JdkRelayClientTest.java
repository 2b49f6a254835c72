package dev.relayworker.relay;

/** The JDK HttpClient transport ({@code relay.http.client=jdk}) against the common contract. */
class JdkRelayClientTest extends RelayClientContractTest {

  @Override
  RelayTransport transport() {
    return RelayTransport.JDK;
  }
}
