package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.relayworker.cli.ConfigOption;
import dev.relayworker.cli.Main;
import dev.relayworker.config.EnvironmentVariables;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.simulator.SimulateRelayCommand;
import dev.relayworker.testkit.KafkaBroker;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The container files checked against the code statically (Docker is not assumed): every name,
 * port, command and option they use must be one the worker or the simulator really has, and the
 * worker's image must hold nothing but the worker module.
 */
class ContainerFilesTest {

  /** Variables that are no setting: read by logback.xml (and Main, which checks LOG_FORMAT). */
  private static final Set<String> LOGGING_VARIABLES = Set.of("LOG_FORMAT", "LOG_LEVEL");

  private final JsonNode compose = readCompose();
  private final String dockerfile = read("Dockerfile");

  @Test
  void theWorkerIsGivenOnlyEnvironmentVariablesTheWorkerReads() {
    Map<String, String> environment = environment("worker");

    assertThat(environment).isNotEmpty();
    assertThat(environment.keySet()).allMatch(name -> EnvironmentVariables.isSetting(name)
        || LOGGING_VARIABLES.contains(name));
    // Refuses a RELAY_WORKER_ variable that names no setting.
    EnvironmentVariables.settings(environment);
    assertThat(Main.LOG_FORMATS).contains(environment.get("LOG_FORMAT"));
    assertThat(read("worker/src/main/resources/logback.xml")).contains("${LOG_FORMAT:-text}").contains("${LOG_LEVEL:-INFO}");
  }

  @Test
  void theWorkerServiceRunsACommandOfTheWorkersJarWithItsOptions() {
    List<String> command = command("worker");
    CommandLine subcommand = Main.commandLine().getSubcommands().get(command.get(0));

    assertThat(subcommand).as("worker runs " + command.get(0)).isNotNull();
    assertOptionsExist(subcommand, command.subList(1, command.size()), "worker");
  }

  @Test
  void theSimulatorServiceRunsTheSimulatorsOwnImageWithItsOptions() {
    JsonNode simulator = compose.at("/services/simulator");

    assertThat(simulator.at("/build/target").asText()).isEqualTo("simulator");
    assertThat(dockerfile).contains("FROM ${RUNTIME_IMAGE} AS simulator")
        .contains("ENTRYPOINT [\"java\", \"-XX:MaxRAMPercentage=75\", \"-jar\", \"/app/relay-worker-simulator.jar\"]");
    assertOptionsExist(new CommandLine(new SimulateRelayCommand()), command("simulator"), "simulator");
  }

  @Test
  void theWorkerReachesKafkaAndTheSimulatorWhereTheyListen() {
    Map<String, String> environment = environment("worker");
    String advertised = compose.at("/services/kafka/environment/KAFKA_ADVERTISED_LISTENERS").asText();
    URI relay = URI.create(environment.get("RELAY_BASE_URL"));
    List<String> simulator = command("simulator");

    assertThat(advertised).contains("//" + environment.get("KAFKA_BOOTSTRAP_SERVERS"));
    assertThat(relay.getHost()).isEqualTo("simulator");
    assertThat(simulator.get(simulator.indexOf("--port") + 1)).isEqualTo(Integer.toString(relay.getPort()));
    assertThat(simulator.get(simulator.indexOf("--host") + 1)).isEqualTo("0.0.0.0");
  }

  @Test
  void theWorkerServiceScales() {
    JsonNode worker = compose.at("/services/worker");

    // A fixed container name or a published host port makes `--scale worker=3` fail.
    assertThat(worker.has("container_name")).isFalse();
    assertThat(worker.has("ports")).isFalse();
    assertThat(worker.at("/expose/0").asText())
        .isEqualTo(WorkerConfig.DEFINITION.configKeys().get(WorkerConfig.ADMIN_PORT).defaultValue.toString());
    assertThat(worker.at("/volumes/0").asText()).isEqualTo("./config:/app/config:ro");
  }

  @Test
  void stoppingGivesTheWorkerItsShutdownTimeout() {
    Matcher grace = Pattern.compile("(\\d+)s").matcher(compose.at("/services/worker/stop_grace_period").asText());
    int shutdownMs = (Integer) WorkerConfig.DEFINITION.configKeys().get(WorkerConfig.SHUTDOWN_TIMEOUT_MS).defaultValue;

    assertThat(grace.matches()).isTrue();
    assertThat(Integer.parseInt(grace.group(1)) * 1000).isGreaterThan(shutdownMs);
  }

  @Test
  void kafkaIsTheImageTestsUseInKraftMode() {
    assertThat(compose.at("/services/kafka/image").asText()).isEqualTo("${KAFKA_IMAGE:-" + KafkaBroker.IMAGE + "}");
    assertThat(KafkaBroker.IMAGE).as("the clients' version, the test kit's").isEqualTo("apache/kafka:4.3.1");
    assertThat(compose.at("/services/kafka/environment/KAFKA_PROCESS_ROLES").asText()).isEqualTo("broker,controller");
  }

  @Test
  void theWorkerImageHoldsOnlyTheWorkerModuleRunAsANonRootUserOnAJre17() {
    String worker = dockerfile.substring(dockerfile.indexOf("FROM ${RUNTIME_IMAGE} AS worker"));

    // The official images by default; bin/local-images' stand-ins where no registry answers.
    assertThat(dockerfile).contains("ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17")
        .contains("ARG RUNTIME_IMAGE=eclipse-temurin:17-jre").contains("FROM ${BUILD_IMAGE} AS build");
    assertThat(worker).contains("COPY --from=build /src/worker/target/relay-worker.jar /app/relay-worker.jar")
        .contains("COPY --from=build /src/worker/target/lib /app/lib")
        .contains("VOLUME [\"/app/config\"]")
        .contains("EXPOSE 9400");
    // The worker is the last stage, so a plain `docker build .` makes it.
    assertThat(worker.substring(worker.indexOf('\n'))).doesNotContain("FROM ");
    assertThat(Pattern.compile("COPY --from=build (\\S+)").matcher(worker).results().map(match -> match.group(1)))
        .allMatch(source -> source.startsWith("/src/worker/target/"));
    Matcher user = Pattern.compile("(?m)^USER (\\S+)$").matcher(worker);
    assertThat(user.find()).isTrue();
    assertThat(user.group(1)).isNotIn("root", "0");
    // The launcher looks for config/worker.properties relative to the working directory.
    assertThat(worker).contains("WORKDIR /app");
    assertThat(ConfigOption.DEFAULT_FILE).isEqualTo(Path.of("config", "worker.properties"));
    // The jar's manifest finds its libraries in lib/ next to it, as the image lays them out.
    assertThat(read("pom.xml")).contains("<classpathPrefix>lib/</classpathPrefix>");
  }

  @Test
  void theWorkerImageExitsOnOutOfMemoryChecksItsLivenessAndCarriesNoKey() {
    String worker = dockerfile.substring(dockerfile.indexOf("FROM ${RUNTIME_IMAGE} AS worker"));

    assertThat(worker).contains("\"-XX:+ExitOnOutOfMemoryError\"");
    Matcher healthcheck = Pattern.compile("(?s)HEALTHCHECK .*?CMD \\[(.*?)]\n").matcher(worker);
    assertThat(healthcheck.find()).isTrue();
    assertThat(healthcheck.group(1)).contains("/health/live").contains("${RELAY_WORKER_ADMIN_PORT:-9400}");
    assertThat(EnvironmentVariables.isSetting("RELAY_WORKER_ADMIN_PORT")).isTrue();
    assertThat(read("config/worker.properties")).doesNotContainPattern("(?m)^\\s*relay\\.api\\.key\\s*=");
  }

  @Test
  void composePublishesOnlyOnTheLoopbackInterface() {
    List<String> published = new ArrayList<>();
    compose.at("/services").forEach(service -> service.path("ports").forEach(port -> published.add(port.asText())));

    assertThat(published).isNotEmpty().allMatch(port -> port.startsWith("127.0.0.1:"));
  }

  private List<String> command(String service) {
    List<String> command = new ArrayList<>();
    compose.at("/services/" + service + "/command").forEach(part -> command.add(part.asText()));
    return command;
  }

  private static void assertOptionsExist(CommandLine commandLine, List<String> arguments, String service) {
    arguments.stream().filter(part -> part.startsWith("--")).forEach(option ->
        assertThat(commandLine.getCommandSpec().findOption(option)).as(service + " option " + option).isNotNull());
  }

  private Map<String, String> environment(String service) {
    Map<String, String> environment = new java.util.LinkedHashMap<>();
    compose.at("/services/" + service + "/environment").fields()
        .forEachRemaining(entry -> environment.put(entry.getKey(), entry.getValue().asText()));
    return environment;
  }

  private static JsonNode readCompose() {
    try {
      return new YAMLMapper().readTree(Path.of("docker-compose.yml").toFile());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
