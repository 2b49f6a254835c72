package dev.relayworker.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.config.WorkerConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Where and how to reach the relay: base URL, key, transport, HTTP timeouts, connections and the
 * largest answer read. Immutable.
 *
 * <p>The key ({@link RelayKey}) is kept as a Kafka {@link Password}, whose {@code toString()} is
 * {@code [hidden]}, so printing an endpoint, or an exception that holds one, cannot leak it; an
 * endpoint cannot be built with a key that is not a valid header value. Print the base URL with {@link #displayUri()},
 * which leaves out any user info.
 *
 * @param messagesKeyHeader whether Messages calls ({@link RelayApi#MESSAGES}) send the key as
 *     {@code x-api-key} ({@code relay.messages.auth}) rather than as a Bearer token
 * @param proxy the HTTP proxy calls go through ({@code relay.https.proxy} for an https relay,
 *     {@code relay.http.proxy} for an http one, unless {@code relay.no.proxy} lists its host or the
 *     host is a loopback one), or null to connect directly
 */
public record RelayEndpoint(
    URI baseUri,
    RelayKey apiKey,
    RelayTransport transport,
    HttpClient.Version httpVersion,
    Duration connectTimeout,
    Duration idleTimeout,
    int maxConnections,
    int maxResponseBytes,
    RelayProxy proxy,
    boolean messagesKeyHeader) {

  /** The Messages API version sent with every Messages call, as Anthropic's API requires one. */
  public static final String ANTHROPIC_VERSION = "2023-06-01";

  public RelayEndpoint {
    Objects.requireNonNull(baseUri, "baseUri");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(httpVersion, "httpVersion");
    Objects.requireNonNull(transport, "transport");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(idleTimeout, "idleTimeout");
    if (transport == RelayTransport.NETTY && httpVersion == HttpClient.Version.HTTP_2) {
      throw new ConfigException(WorkerConfig.RELAY_HTTP_VERSION + "=HTTP_2 needs " + WorkerConfig.RELAY_HTTP_CLIENT
          + "=jdk: the netty client speaks HTTP/1.1 only");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections must be at least 1, was " + maxConnections);
    }
  }

  /** An endpoint with the configuration's defaults for everything but the place and the key. */
  public static RelayEndpoint of(String baseUrl, String apiKey) {
    return new RelayEndpoint(parseBase(baseUrl, "baseUrl"), RelayKey.fixed(new Password(apiKey)), defaultTransport(),
        HttpClient.Version.HTTP_1_1, WorkerConfig.defaultMillis(WorkerConfig.RELAY_CONNECT_TIMEOUT_MS),
        WorkerConfig.defaultMillis(WorkerConfig.RELAY_IDLE_TIMEOUT_MS),
        WorkerConfig.<Integer>defaultValue(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS),
        WorkerConfig.<Integer>defaultValue(WorkerConfig.RELAY_MAX_RESPONSE_BYTES), null, true);
  }

  public static RelayEndpoint from(WorkerConfig config) {
    URI base = parseBase(config.relayBaseUrl(), config.nameOf(WorkerConfig.RELAY_BASE_URL));
    return new RelayEndpoint(
        base,
        key(config),
        RelayTransport.named(config.getString(WorkerConfig.RELAY_HTTP_CLIENT)),
        HttpClient.Version.valueOf(config.getString(WorkerConfig.RELAY_HTTP_VERSION)),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_CONNECT_TIMEOUT_MS)),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_IDLE_TIMEOUT_MS)),
        config.getInt(WorkerConfig.RELAY_MAX_CONCURRENT_CALLS),
        config.getInt(WorkerConfig.RELAY_MAX_RESPONSE_BYTES),
        proxyFor(base, config),
        "x-api-key".equals(config.getString(WorkerConfig.RELAY_MESSAGES_AUTH)));
  }

  public RelayEndpoint withTransport(RelayTransport other) {
    return new RelayEndpoint(baseUri, apiKey, other, httpVersion, connectTimeout, idleTimeout, maxConnections,
        maxResponseBytes, proxy, messagesKeyHeader);
  }

  public RelayEndpoint withMaxResponseBytes(int bytes) {
    return new RelayEndpoint(baseUri, apiKey, transport, httpVersion, connectTimeout, idleTimeout, maxConnections,
        bytes, proxy, messagesKeyHeader);
  }

  public RelayEndpoint withConnections(int max, Duration idle) {
    return new RelayEndpoint(baseUri, apiKey, transport, httpVersion, connectTimeout, idle, max, maxResponseBytes,
        proxy, messagesKeyHeader);
  }

  /** This endpoint reached through {@code through} (null: directly). */
  public RelayEndpoint withProxy(RelayProxy through) {
    return new RelayEndpoint(baseUri, apiKey, transport, httpVersion, connectTimeout, idleTimeout, maxConnections,
        maxResponseBytes, through, messagesKeyHeader);
  }

  /** This endpoint sending the key of Messages calls as {@code x-api-key} ({@code true}) or as a Bearer token. */
  public RelayEndpoint withMessagesKeyHeader(boolean keyHeader) {
    return new RelayEndpoint(baseUri, apiKey, transport, httpVersion, connectTimeout, idleTimeout, maxConnections,
        maxResponseBytes, proxy, keyHeader);
  }

  /**
   * The headers that carry the key for a call of {@code api}, name to value: {@code x-api-key} and
   * {@code anthropic-version} for a Messages call when {@link #messagesKeyHeader}, else
   * {@code Authorization: Bearer} (and {@code anthropic-version} for Messages). Built per call, so a
   * key file's new key is sent at once.
   */
  public Map<String, String> keyHeaders(RelayApi api) {
    if (api != RelayApi.MESSAGES) {
      return Map.of("Authorization", apiKey.authorization());
    }
    return messagesKeyHeader ? Map.of("x-api-key", apiKey.key().value(), "anthropic-version", ANTHROPIC_VERSION)
        : Map.of("Authorization", apiKey.authorization(), "anthropic-version", ANTHROPIC_VERSION);
  }

  /** The route's key: followed in its file when it comes from one, else fixed. */
  private static RelayKey key(WorkerConfig config) {
    return config.relayApiKeyFile().map(file -> RelayKey.fromFile(file, config.nameOf(WorkerConfig.RELAY_API_KEY_FILE)))
        .orElseGet(() -> RelayKey.fixed(config.relayApiKey()));
  }

  /**
   * The proxy for a relay at {@code base}: the setting of its scheme, unless {@code relay.no.proxy}
   * lists its host or the host is loopback (never proxied, as Go's and most clients' do).
   */
  private static RelayProxy proxyFor(URI base, WorkerConfig config) {
    String setting = "https".equals(base.getScheme()) ? WorkerConfig.RELAY_HTTPS_PROXY : WorkerConfig.RELAY_HTTP_PROXY;
    RelayProxy proxy = RelayProxy.parse(config.getString(setting), config.nameOf(setting));
    String host = base.getHost();
    if (proxy == null || isLoopback(host) || NoProxy.parse(config.getString(WorkerConfig.RELAY_NO_PROXY)).bypasses(host)) {
      return null;
    }
    return proxy;
  }

  private static boolean isLoopback(String host) {
    String bare = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    return bare.equalsIgnoreCase("localhost") || bare.startsWith("127.") || bare.equals("::1");
  }

  /** Opens a client of this endpoint's {@link #transport()}; the caller closes it. */
  public RelayClient open(ObjectMapper mapper, Clock clock) {
    return open(mapper, clock, AnswerMemory.eighthOfHeap());
  }

  RelayClient open(ObjectMapper mapper, Clock clock, AnswerMemory memory) {
    return switch (transport) {
      case NETTY -> new NettyRelayClient(this, mapper, clock, memory);
      case JDK -> new JdkRelayClient(this, mapper, clock, memory);
    };
  }

  /** {@code POST} target of the legacy completions endpoint. */
  public URI completionsUri() {
    return uri(RelayApi.COMPLETIONS);
  }

  /** {@code POST} target of {@code api}. */
  public URI uri(RelayApi api) {
    return baseUri.resolve(api.relativePath());
  }

  /** The base URL for logs and messages: scheme, host, port and path, never user info or a query. */
  public String displayUri() {
    return display(baseUri);
  }

  private static String display(URI uri) {
    try {
      return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), null, null).toString();
    } catch (URISyntaxException e) {
      return uri.getScheme() + "://" + uri.getHost();
    }
  }

  private static RelayTransport defaultTransport() {
    return RelayTransport.named(WorkerConfig.defaultValue(WorkerConfig.RELAY_HTTP_CLIENT));
  }

  private static URI parseBase(String baseUrl, String key) {
    URI uri;
    try {
      uri = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    } catch (IllegalArgumentException e) {
      // The text may hold a password in its user info: say where it is wrong, not what it is.
      throw new ConfigException("Invalid value for configuration " + key + ": not a URL ("
          + e.getClass().getSimpleName() + ")");
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new ConfigException("Invalid value for configuration " + key + ": must start with http:// or https://");
    }
    if (uri.getHost() == null) {
      throw new ConfigException("Invalid value for configuration " + key + ": names no host");
    }
    if (uri.getPath().endsWith("/v1/")) {
      // Relays document their base with and without /v1; both mean the same place.
      uri = uri.resolve("..");
    }
    return uri;
  }
}
