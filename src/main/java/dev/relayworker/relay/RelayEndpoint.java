package dev.relayworker.relay;

import dev.relayworker.config.WorkerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * Where and how to reach the relay: base URL, key and HTTP timeouts. Immutable.
 *
 * <p>The key is kept as a Kafka {@link Password}, whose {@code toString()} is {@code [hidden]},
 * so printing an endpoint, or an exception that holds one, cannot leak it.
 */
public record RelayEndpoint(
    URI baseUri,
    Password apiKey,
    HttpClient.Version httpVersion,
    Duration connectTimeout,
    Duration requestTimeout) {

  public RelayEndpoint {
    Objects.requireNonNull(baseUri, "baseUri");
    Objects.requireNonNull(apiKey, "apiKey");
    Objects.requireNonNull(httpVersion, "httpVersion");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
  }

  public static RelayEndpoint of(String baseUrl, String apiKey) {
    return new RelayEndpoint(parseBase(baseUrl, "baseUrl"), new Password(apiKey), HttpClient.Version.HTTP_1_1,
        Duration.ofSeconds(5), Duration.ofSeconds(120));
  }

  public static RelayEndpoint from(WorkerConfig config) {
    return new RelayEndpoint(
        parseBase(config.getString(WorkerConfig.RELAY_BASE_URL), WorkerConfig.RELAY_BASE_URL),
        config.relayApiKey(),
        HttpClient.Version.valueOf(config.getString(WorkerConfig.RELAY_HTTP_VERSION)),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_CONNECT_TIMEOUT_MS)),
        Duration.ofMillis(config.getInt(WorkerConfig.RELAY_REQUEST_TIMEOUT_MS)));
  }

  public RelayEndpoint withRequestTimeout(Duration timeout) {
    return new RelayEndpoint(baseUri, apiKey, httpVersion, connectTimeout, timeout);
  }

  /** {@code POST} target of the legacy completions endpoint. */
  public URI completionsUri() {
    return baseUri.resolve("v1/completions");
  }

  private static URI parseBase(String baseUrl, String key) {
    URI uri;
    try {
      uri = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
    } catch (IllegalArgumentException e) {
      throw new ConfigException(key, baseUrl, "not a URL: " + e.getMessage());
    }
    if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
      throw new ConfigException(key, baseUrl, "must start with http:// or https://");
    }
    if (uri.getPath().endsWith("/v1/")) {
      // Relays document their base with and without /v1; both mean the same place.
      uri = uri.resolve("..");
    }
    return uri;
  }
}
