package dev.relayworker.relay;

import dev.relayworker.config.ConfigValidators;
import dev.relayworker.config.WorkerConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Where and how to reach the relay: base URL, key, HTTP timeouts and the largest answer read.
 * Immutable.
 *
 * <p>The key is kept as a Kafka {@link Password}, whose {@code toString()} is {@code [hidden]},
 * so printing an endpoint, or an exception that holds one, cannot leak it; an endpoint cannot be
 * built with a key that is not a valid header value. Print the base URL with {@link #displayUri()},
 * which leaves out any user info.
 */
public record RelayEndpoint(
    URI baseUri,
    Password apiKey,
    HttpClient.Version httpVersion,
    Duration connectTimeout,
    int maxResponseBytes) {

  /** Default of {@link #maxResponseBytes()} for endpoints built with {@link #of}. */
  public static final int DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

  public RelayEndpoint {
    Objects.requireNonNull(baseUri, "baseUri");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(httpVersion, "httpVersion");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    ConfigValidators.requireHeaderSafe(WorkerConfig.RELAY_API_KEY, apiKey.value());
  }

  public static RelayEndpoint of(String baseUrl, String apiKey) {
    return new RelayEndpoint(parseBase(baseUrl, "baseUrl"), new Password(apiKey), HttpClient.Version.HTTP_1_1,
        Duration.ofSeconds(5), DEFAULT_MAX_RESPONSE_BYTES);
  }

  public static RelayEndpoint from(WorkerConfig config) {
    return new RelayEndpoint(
        parseBase(config.getString(WorkerConfig.RELAY_BASE_URL), WorkerConfig.RELAY_BASE_URL),
        config.relayApiKey(),
        HttpClient.Version.valueOf(config.getString(WorkerConfig.RELAY_HTTP_VERSION)),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_CONNECT_TIMEOUT_MS)),
        config.getInt(WorkerConfig.RELAY_MAX_RESPONSE_BYTES));
  }

  public RelayEndpoint withMaxResponseBytes(int bytes) {
    return new RelayEndpoint(baseUri, apiKey, httpVersion, connectTimeout, bytes);
  }

  /** {@code POST} target of the legacy completions endpoint. */
  public URI completionsUri() {
    return baseUri.resolve("v1/completions");
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
