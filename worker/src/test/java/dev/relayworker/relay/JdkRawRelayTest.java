package dev.relayworker.relay;

/** The JDK transport ({@code relay.http.client=jdk}) against the interim-answer contract. */
class JdkRawRelayTest extends RawRelayContractTest {

  @Override
  RelayTransport transport() {
    return RelayTransport.JDK;
  }
}
