package dev.relayworker.relay;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import org.apache.kafka.common.config.ConfigException;

/**
 * An HTTP proxy the relay is reached through, as {@code HTTPS_PROXY} / {@code HTTP_PROXY} name it:
 * {@code http://[user[:password]@]host[:port]} (port 1080 when left out, as curl; a bare
 * {@code host:port} is taken as {@code http://}). Calls go through a {@code CONNECT} tunnel, TLS to
 * the relay inside it. Immutable; prints without its credentials.
 *
 * @param authorization the {@code Proxy-Authorization} value for the credentials, or null
 */
public record RelayProxy(String host, int port, String authorization) {

  private static final int DEFAULT_PORT = 1080;

  /**
   * The proxy {@code url} names, or null when it is blank.
   *
   * @param setting the setting it came from, named in the message when it is not a usable proxy
   * @throws ConfigException naming {@code setting} (never quoting credentials)
   */
  public static RelayProxy parse(String url, String setting) {
    if (url == null || url.isBlank()) {
      return null;
    }
    String text = url.strip();
    URI uri;
    try {
      uri = URI.create(text.contains("://") ? text : "http://" + text);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("Invalid value for configuration " + setting + ": not a proxy URL");
    }
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http")) {
      throw new ConfigException("Invalid value for configuration " + setting + ": only http:// proxies are supported"
          + " (a CONNECT tunnel; TLS to the relay runs inside it), not " + scheme + "://");
    }
    if (uri.getHost() == null) {
      throw new ConfigException("Invalid value for configuration " + setting + ": names no host");
    }
    return new RelayProxy(uri.getHost(), uri.getPort() == -1 ? DEFAULT_PORT : uri.getPort(),
        basic(uri.getRawUserInfo()));
  }

  private static String basic(String userInfo) {
    if (userInfo == null || userInfo.isEmpty()) {
      return null;
    }
    String credentials = URLDecoder.decode(userInfo, StandardCharsets.UTF_8);
    return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
  }

  /** host:port, for logs: never the credentials. */
  @Override
  public String toString() {
    return host + ":" + port;
  }
}
