package dev.relayworker.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.relayworker.relay.RelayEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouteSettingsTest {

  private static final String TWO_ROUTES = """
      kafka.bootstrap.servers=localhost:9092
      relay.base.url=http://relay.example
      relay.rate.limit.rpm=600
      routes=cheap,premium
      route.cheap.api.key=sk-cheap
      route.premium.base.url=http://premium.example/v1
      route.premium.api.key.env=PREMIUM_KEY
      route.premium.rate.limit.rpm=60
      route.premium.group=vip
      route.premium.budget.usd.per.day=5
      routing.models=gpt-4o=premium; *=cheap,premium
      """;

  @TempDir
  Path dir;

  @Test
  void withoutRoutesTheTopLevelIsTheDefaultRoute() {
    WorkerConfig config = new WorkerConfig(Map.of(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS, "k:9092",
        WorkerConfig.RELAY_BASE_URL, "http://relay.example", WorkerConfig.RELAY_API_KEY, "sk-one"));

    assertThat(config.routeNames()).containsExactly("default");
    WorkerConfig route = config.forRoute("default");
    assertThat(route).isSameAs(config);
    assertThat(route.getString(WorkerConfig.RELAY_GROUP)).isEqualTo("default");
    assertThat(route.nameOf(WorkerConfig.RELAY_BASE_URL)).isEqualTo("relay.base.url");
  }

  @Test
  void aRouteTakesItsOwnSettingsOverTheTopLevelAndItsNameAsGroup() throws Exception {
    WorkerConfig config = ConfigLoader.load(write(TWO_ROUTES), Map.of("PREMIUM_KEY", "sk-premium\n"));

    assertThat(config.routeNames()).containsExactly("cheap", "premium");
    WorkerConfig cheap = config.forRoute("cheap");
    WorkerConfig premium = config.forRoute("premium");
    assertThat(cheap.getString(WorkerConfig.RELAY_GROUP)).isEqualTo("cheap");
    assertThat(cheap.getInt(WorkerConfig.RELAY_RATE_LIMIT_RPM)).isEqualTo(600);
    assertThat(cheap.relayApiKey().value()).isEqualTo("sk-cheap");
    assertThat(RelayEndpoint.from(cheap).displayUri()).isEqualTo("http://relay.example/");
    assertThat(premium.getString(WorkerConfig.RELAY_GROUP)).isEqualTo("vip");
    assertThat(premium.getInt(WorkerConfig.RELAY_RATE_LIMIT_RPM)).isEqualTo(60);
    assertThat(premium.getDouble(WorkerConfig.BUDGET_USD_PER_DAY)).isEqualTo(5.0);
    assertThat(premium.relayApiKey().value()).isEqualTo("sk-premium");
    assertThat(RelayEndpoint.from(premium).displayUri()).isEqualTo("http://premium.example/");
    assertThat(RouteSettings.modelRoutes(config.getString(WorkerConfig.ROUTING_MODELS)))
        .containsExactly(Map.entry("gpt-4o", List.of("premium")), Map.entry("*", List.of("cheap", "premium")));
  }

  @Test
  void aRouteReadsItsKeyFromAFileRatherThanTheTopLevelKey() throws Exception {
    Path key = dir.resolve("cheap.key");
    Files.writeString(key, "sk-from-file\n");
    Map<String, Object> values = new HashMap<>(Map.of(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS, "k:9092",
        WorkerConfig.RELAY_BASE_URL, "http://relay.example", WorkerConfig.RELAY_API_KEY, "sk-top",
        WorkerConfig.ROUTES, "cheap,other", "route.cheap.api.key.file", key.toString()));

    WorkerConfig config = new WorkerConfig(values);

    assertThat(config.forRoute("cheap").relayApiKey().value()).isEqualTo("sk-from-file");
    assertThat(config.forRoute("other").relayApiKey().value()).isEqualTo("sk-top");
  }

  @Test
  void everyRouteSettingIsAlsoAnEnvironmentVariable() throws Exception {
    WorkerConfig config = ConfigLoader.load(write(TWO_ROUTES), Map.of("PREMIUM_KEY", "sk-premium",
        "RELAY_WORKER_ROUTE_CHEAP_RATE_LIMIT_RPM", "120"));

    assertThat(config.forRoute("cheap").getInt(WorkerConfig.RELAY_RATE_LIMIT_RPM)).isEqualTo(120);
  }

  @Test
  void mistakesAreNamedWithTheirSetting() throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(write(TWO_ROUTES + "route.cheap.rate.limit.rmp=5\n"), Map.of("PREMIUM_KEY", "k")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("route.cheap.rate.limit.rmp");
    assertThatThrownBy(() -> ConfigLoader.load(write(TWO_ROUTES + "route.backup.api.key=k\n"), Map.of("PREMIUM_KEY", "k")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("route 'backup'").hasMessageContaining("routes");
    assertThatThrownBy(() -> ConfigLoader.load(write(TWO_ROUTES + "route.cheap.limit.share=0.5\n"), Map.of("PREMIUM_KEY", "k")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("route.cheap.limit.share");
    assertThatThrownBy(() -> ConfigLoader.load(write(TWO_ROUTES), Map.of()))
        .isInstanceOf(ConfigException.class).hasMessageContaining("route.premium.api.key.env")
        .hasMessageContaining("PREMIUM_KEY");
    assertThatThrownBy(() -> ConfigLoader.load(write(TWO_ROUTES.replace("*=cheap,premium", "*=cheap,backup")),
        Map.of("PREMIUM_KEY", "k")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("routing.models").hasMessageContaining("'backup'");
    assertThatThrownBy(() -> ConfigLoader.load(write(TWO_ROUTES.replace("gpt-4o=premium;", "gpt-4o;")),
        Map.of("PREMIUM_KEY", "k")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("routing.models").hasMessageContaining("gpt-4o");
  }

  @Test
  void aMissingBaseUrlOrKeyOfARouteIsNamedAsTheRouteSetting() {
    WorkerConfig config = new WorkerConfig(Map.of(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS, "k:9092",
        WorkerConfig.ROUTES, "cheap", "route.cheap.api.key", "sk-cheap"));
    WorkerConfig keyless = new WorkerConfig(Map.of(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS, "k:9092",
        WorkerConfig.ROUTES, "cheap", "route.cheap.base.url", "http://relay.example"));

    assertThatThrownBy(() -> RelayEndpoint.from(config.forRoute("cheap")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("route.cheap.base.url");
    assertThatThrownBy(() -> RelayEndpoint.from(keyless.forRoute("cheap")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("route.cheap.api.key");
  }

  private Path write(String text) throws Exception {
    Path file = dir.resolve("worker.properties");
    Files.writeString(file, text);
    return file;
  }
}
