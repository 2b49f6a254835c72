package dev.relayworker.relay;

/** The Netty transport against the interim-answer contract. */
class NettyRawRelayTest extends RawRelayContractTest {

  @Override
  RelayTransport transport() {
    return RelayTransport.NETTY;
  }
}
