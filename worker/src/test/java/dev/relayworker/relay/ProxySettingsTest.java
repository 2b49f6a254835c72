package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relayworker.config.ConfigLoader;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which relays go through which proxy: the proxy variables, NO_PROXY's reading, loopback never. */
class ProxySettingsTest {

  @Test
  void anHttpsRelayTakesHttpsProxyFromTheEnvironmentWithItsCredentials() {
    RelayEndpoint endpoint = endpoint("https://relay.example.com", Map.of("HTTPS_PROXY", "http://me:s3cret@proxy.corp:3128"));

    assertThat(endpoint.proxy()).isNotNull();
    assertThat(endpoint.proxy().host()).isEqualTo("proxy.corp");
    assertThat(endpoint.proxy().port()).isEqualTo(3128);
    assertThat(endpoint.proxy().authorization()).isEqualTo("Basic bWU6czNjcmV0");
    assertThat(endpoint.proxy().toString()).isEqualTo("proxy.corp:3128").doesNotContain("s3cret");
  }

  @Test
  void eachSchemeTakesItsOwnVariableAndLowerCaseWins() {
    Map<String, String> environment = Map.of("HTTP_PROXY", "upper:8080", "http_proxy", "lower:8081",
        "HTTPS_PROXY", "secure:8443");

    assertThat(endpoint("http://relay.example.com", environment).proxy().host()).isEqualTo("lower");
    assertThat(endpoint("https://relay.example.com", environment).proxy().host()).isEqualTo("secure");
    assertThat(endpoint("http://relay.example.com", Map.of("HTTPS_PROXY", "secure:8443")).proxy()).isNull();
    assertThat(endpoint("https://relay.example.com", Map.of("HTTPS_PROXY", "proxy")).proxy().port()).isEqualTo(1080);
  }

  @ParameterizedTest(name = "{0} with NO_PROXY={1}: direct {2}")
  @CsvSource(delimiter = '|', textBlock = """
      https://relay.example.com      | example.com             | true
      https://relay.example.com      | .example.com            | true
      https://relay.example.com:8443 | relay.example.com:443   | true
      https://relay.example.com      | other.com, *            | true
      https://relay.example.com      | ample.com               | false
      https://10.1.2.3               | 10.0.0.0/8              | true
      https://10.1.2.3               | 10.1.2.3                | true
      https://11.1.2.3               | 10.0.0.0/8              | false
      https://[fd00::1]              | fd00::/8                | true
      https://relay.example.com      | 10.0.0.0/8              | false
      http://localhost:8089          | ''                      | true
      http://127.0.0.1:8089          | ''                      | true
      http://[::1]:8089              | ''                      | true
      """)
  void noProxyAndLoopbackAreReachedDirectly(String relay, String noProxy, boolean direct) {
    Map<String, String> environment = new HashMap<>(Map.of("HTTPS_PROXY", "proxy:3128", "HTTP_PROXY", "proxy:3128"));
    if (!noProxy.isEmpty()) {
      environment.put("NO_PROXY", noProxy);
    }

    assertThat(endpoint(relay, environment).proxy() == null).isEqualTo(direct);
  }

  @Test
  void aProxyItCannotUseStopsStartUpNamingTheSettingNotTheCredentials() {
    assertThatThrownBy(() -> endpoint("https://relay.example.com", Map.of("HTTPS_PROXY", "socks5://me:s3cret@proxy:1080")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("relay.https.proxy")
        .hasMessageContaining("only http:// proxies").satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
  }

  private static RelayEndpoint endpoint(String relay, Map<String, String> proxyVariables) {
    Map<String, String> environment = new HashMap<>(proxyVariables);
    environment.put("KAFKA_BOOTSTRAP_SERVERS", "localhost:9092");
    environment.put("RELAY_BASE_URL", relay);
    environment.put("RELAY_API_KEY", "sk-proxy-test");
    return RelayEndpoint.from(ConfigLoader.load(null, environment));
  }
}
