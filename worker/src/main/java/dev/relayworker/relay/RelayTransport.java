package dev.relayworker.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Clock;
import java.util.Locale;

/** Which HTTP client carries relay calls ({@code relay.http.client}). */
public enum RelayTransport {
  /** {@link NettyRelayClient}: HTTP/1.1 on one event loop the worker owns. The default. */
  NETTY,
  /** {@link JdkRelayClient}: the JDK's {@code HttpClient}, for HTTP/2. */
  JDK;

  /** The transport a {@code relay.http.client} value names: {@code netty} or {@code jdk}. */
  public static RelayTransport named(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** Opens a client of this transport for {@code endpoint}; the caller closes it. */
  public RelayClient open(RelayEndpoint endpoint, ObjectMapper mapper, Clock clock) {
    return open(endpoint, mapper, clock, AnswerMemory.eighthOfHeap());
  }

  RelayClient open(RelayEndpoint endpoint, ObjectMapper mapper, Clock clock, AnswerMemory memory) {
    return switch (this) {
      case NETTY -> new NettyRelayClient(endpoint, mapper, clock, memory);
      case JDK -> new JdkRelayClient(endpoint, mapper, clock, memory);
    };
  }
}
