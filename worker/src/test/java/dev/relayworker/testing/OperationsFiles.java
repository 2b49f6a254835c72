package dev.relayworker.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operations files an operator imports (alert rules, dashboard, Kubernetes and KEDA examples)
 * read as their tools read them: every PromQL query they hold, the metric names those read, and
 * {@code promtool} to check them. Used by the unit layer (syntax, names the worker declares) and
 * by the end-to-end layer (names a launched worker really serves). Paths from the repository root.
 */
public final class OperationsFiles {

  public static final Path ALERT_RULES = Path.of("config", "prometheus", "relay-worker-alerts.yml");
  public static final Path ALERT_TESTS = Path.of("config", "prometheus", "relay-worker-alerts.test.yml");
  public static final Path DASHBOARD = Path.of("config", "grafana", "relay-worker-dashboard.json");
  public static final Path KUBERNETES = Path.of("docs", "kubernetes", "relay-worker.yaml");
  public static final Path KEDA = Path.of("docs", "kubernetes", "keda-scaledobject.yaml");

  /** Names of the series the worker and the libraries it binds publish (what a query may read). */
  private static final Pattern METRIC = Pattern.compile(
      "\\b((?:relay_worker|resilience4j|kafka_consumer|kafka_producer|jvm|process|system)_[a-z0-9_]+)\\b");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private OperationsFiles() {}

  /**
   * Every PromQL query in the files, by where it is ({@code alert X}, {@code panel Y},
   * {@code keda trigger Z}); Grafana's variables are replaced by values Prometheus takes.
   */
  public static Map<String, String> queries() {
    Map<String, String> queries = new LinkedHashMap<>();
    for (JsonNode group : read(YAML, ALERT_RULES).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        queries.put("alert " + rule.path("alert").asText(), rule.path("expr").asText());
      }
    }
    for (JsonNode panel : read(JSON, DASHBOARD).path("panels")) {
      int target = 0;
      for (JsonNode query : panel.path("targets")) {
        queries.put("panel " + panel.path("title").asText() + " #" + ++target, query.path("expr").asText()
            .replace("$__rate_interval", "5m").replace("$instance", ".*"));
      }
    }
    for (JsonNode trigger : documents(KEDA).get(0).at("/spec/triggers")) {
      if (trigger.path("type").asText().equals("prometheus")) {
        queries.put("keda trigger " + trigger.path("name").asText(), trigger.at("/metadata/query").asText());
      }
    }
    return queries;
  }

  /** The metric names {@code query} reads. */
  public static Set<String> metricNames(String query) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = METRIC.matcher(query);
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  /** The documents of a YAML file ({@code ---} apart), as trees. */
  public static List<JsonNode> documents(Path file) {
    try (YAMLParser parser = new YAMLFactory().createParser(file.toFile())) {
      List<JsonNode> documents = new ArrayList<>();
      YAML.readValues(parser, JsonNode.class).forEachRemaining(documents::add);
      return documents;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A query's rule file for {@code promtool check rules}: each query a recording rule, so its syntax is checked. */
  public static String asRecordingRules(Map<String, String> queries) {
    StringBuilder rules = new StringBuilder("groups:\n  - name: queries\n    rules:\n");
    int index = 0;
    for (String query : queries.values()) {
      rules.append("      - record: query_").append(index++).append("\n        expr: ")
          .append(JsonMapper.builder().build().valueToTree(query).toString()).append('\n');
    }
    return rules.toString();
  }

  /** Runs {@code promtool args}; empty when promtool is not installed. Its output is in the result. */
  public static Optional<Result> promtool(String... args) {
    Optional<Path> promtool = Optional.ofNullable(System.getenv("PATH")).stream()
        .flatMap(path -> java.util.Arrays.stream(path.split(":")))
        .map(dir -> Path.of(dir, "promtool")).filter(Files::isExecutable).findFirst();
    if (promtool.isEmpty()) {
      return Optional.empty();
    }
    List<String> command = new ArrayList<>(List.of(promtool.get().toString()));
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("promtool " + String.join(" ", args) + " did not finish");
      }
      return Optional.of(new Result(process.exitValue(), output));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What promtool said and its exit code. */
  public record Result(int exit, String output) {}

  private static JsonNode read(ObjectMapper mapper, Path file) {
    try {
      return mapper.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
