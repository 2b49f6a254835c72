package dev.relayworker.relay;

import java.util.Locale;

/**
 * Which HTTP client carries relay calls ({@code relay.http.client}); {@link RelayEndpoint#open}
 * opens the one its endpoint names.
 */
public enum RelayTransport {
  /** {@link NettyRelayClient}: HTTP/1.1 on one event loop the worker owns. The default. */
  NETTY,
  /** {@link JdkRelayClient}: the JDK's {@code HttpClient}, for HTTP/2. */
  JDK;

  /** The transport a {@code relay.http.client} value names: {@code netty} or {@code jdk}. */
  public static RelayTransport named(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }
}
