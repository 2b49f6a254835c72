package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relayworker.config.ConfigLoader;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.metrics.Metric;
import dev.relayworker.testing.OperationsFiles;
import dev.relayworker.tracing.TracingSetup;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/kubernetes, read as the cluster and KEDA read it, held to the worker's real settings: the
 * Deployment's variables make a configuration the worker accepts, its probes and ports are the
 * admin endpoint's, its grace period covers the graceful stop, the disruption budget selects its
 * pods, and the ScaledObject scales that Deployment on that group's lag with a threshold above
 * what one busy worker holds by itself.
 */
class KubernetesExamplesTest {

  private final List<JsonNode> kubernetes = OperationsFiles.documents(OperationsFiles.KUBERNETES);
  private final JsonNode deployment = only("Deployment");
  private final JsonNode container = deployment.at("/spec/template/spec/containers/0");
  private final WorkerConfig config = ConfigLoader.load(null, environment(container));
  private final JsonNode scaledObject = OperationsFiles.documents(OperationsFiles.KEDA).get(0);

  @Test
  void theDeploymentsVariablesAreSettingsTheWorkerAcceptsAndTracesAreOn() {
    assertThat(config.getString(WorkerConfig.GROUP_ID)).isEqualTo("relay-worker");
    assertThat(config.getInt(WorkerConfig.TOPICS_PARTITIONS)).isEqualTo(12);
    assertThat(TracingSetup.wanted(config.getString(WorkerConfig.TRACING_ENABLED), environment(container), Map.of()))
        .isTrue();
    // The key comes from a Secret, never from the manifest.
    JsonNode key = variable("RELAY_API_KEY");
    assertThat(key.has("value")).isFalse();
    assertThat(key.at("/valueFrom/secretKeyRef/key").asText()).isNotBlank();
  }

  @Test
  void probesAndThePortAreTheAdminEndpointsAndTheGracePeriodCoversTheStop() {
    int admin = config.getInt(WorkerConfig.ADMIN_PORT);
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(admin);
    String portName = container.at("/ports/0/name").asText();
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health/live");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
    for (String probe : List.of("livenessProbe", "startupProbe", "readinessProbe")) {
      assertThat(container.at("/" + probe + "/httpGet/port").asText()).as(probe).isEqualTo(portName);
    }
    assertThat(deployment.at("/spec/template/metadata/annotations/prometheus.io~1port").asInt()).isEqualTo(admin);
    // The stop waits shutdown.timeout.ms for calls in flight, then commits and closes its clients.
    long shutdownSeconds = config.getInt(WorkerConfig.SHUTDOWN_TIMEOUT_MS) / 1000;
    assertThat(deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asLong())
        .isGreaterThanOrEqualTo(shutdownSeconds + 10);
  }

  @Test
  void theDisruptionBudgetSelectsTheDeploymentsPodsOneAtATime() {
    JsonNode budget = only("PodDisruptionBudget");
    assertThat(budget.at("/spec/selector/matchLabels")).isEqualTo(deployment.at("/spec/selector/matchLabels"));
    assertThat(budget.at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    Map<String, String> podLabels = new HashMap<>();
    deployment.at("/spec/template/metadata/labels").fields()
        .forEachRemaining(label -> podLabels.put(label.getKey(), label.getValue().asText()));
    budget.at("/spec/selector/matchLabels").fields()
        .forEachRemaining(label -> assertThat(podLabels).containsEntry(label.getKey(), label.getValue().asText()));
  }

  @Test
  void kedaScalesThisDeploymentOnThisGroupsLagAboveWhatOneBusyWorkerHolds() {
    assertThat(scaledObject.path("kind").asText()).isEqualTo("ScaledObject");
    assertThat(scaledObject.at("/spec/scaleTargetRef/name").asText())
        .isEqualTo(deployment.at("/metadata/name").asText());
    JsonNode kafka = trigger("kafka").path("metadata");
    assertThat(kafka.path("consumerGroup").asText()).isEqualTo(config.getString(WorkerConfig.GROUP_ID));
    assertThat(kafka.path("topic").asText()).isEqualTo(config.getString(WorkerConfig.REQUEST_TOPIC));
    assertThat(kafka.path("bootstrapServers").asText())
        .isEqualTo(config.getString(WorkerConfig.KAFKA_BOOTSTRAP_SERVERS));
    assertThat(kafka.path("excludePersistentLag").asText()).isEqualTo("true");
    assertThat(kafka.path("allowIdleConsumers").asText()).isEqualTo("false");
    // A worker's own requests in flight are lag until committed: below that, one keeping up looks short-handed.
    int heldByOne = IntakeLimits.forRelay(WorkerSettings.relaySlots(config),
        config.getInt(WorkerConfig.MAX_IN_FLIGHT)).maxInFlight();
    long lagThreshold = Long.parseLong(kafka.path("lagThreshold").asText());
    assertThat(lagThreshold).isGreaterThan(heldByOne);
    assertThat(scaledObject.at("/spec/advanced/scalingModifiers/target").asText())
        .isEqualTo(kafka.path("lagThreshold").asText());
    // Replicas past the partitions would sit idle in a consumer group.
    assertThat(scaledObject.at("/spec/maxReplicaCount").asInt())
        .isLessThanOrEqualTo(config.getInt(WorkerConfig.TOPICS_PARTITIONS));
  }

  @Test
  void theFormulaHoldsScalingWhileTheRelayHoldsTheWorkersBack() {
    Set<String> names = Arrays.stream(new String[] {"kafka", "prometheus"}).map(type -> trigger(type).path("name")
        .asText()).collect(Collectors.toSet());
    String formula = scaledObject.at("/spec/advanced/scalingModifiers/formula").asText();
    names.forEach(name -> assertThat(formula).contains(name));
    String query = trigger("prometheus").at("/metadata/query").asText();
    Set<String> declared = Arrays.stream(Metric.values()).map(Metric::prometheusName).collect(Collectors.toSet());
    assertThat(OperationsFiles.metricNames(query)).isNotEmpty().allSatisfy(name -> assertThat(declared).contains(name));
    // Every reason but a want of capacity counts as held.
    for (dev.relayworker.metrics.PauseReason reason : dev.relayworker.metrics.PauseReason.values()) {
      boolean relaySide = Set.of("circuit_open", "relay_pause", "key_out", "budget").contains(reason.label());
      assertThat(query.contains(reason.label())).as(reason.label()).isEqualTo(relaySide);
    }
  }

  private JsonNode only(String kind) {
    List<JsonNode> found = kubernetes.stream().filter(document -> document.path("kind").asText().equals(kind)).toList();
    assertThat(found).as(kind).hasSize(1);
    return found.get(0);
  }

  private JsonNode trigger(String type) {
    for (JsonNode trigger : scaledObject.at("/spec/triggers")) {
      if (trigger.path("type").asText().equals(type)) {
        return trigger;
      }
    }
    throw new AssertionError("no " + type + " trigger");
  }

  private JsonNode variable(String name) {
    for (JsonNode variable : container.path("env")) {
      if (variable.path("name").asText().equals(name)) {
        return variable;
      }
    }
    throw new AssertionError("no variable " + name);
  }

  /** The container's environment as the pod would have it; values from Secrets and fields stand in. */
  private static Map<String, String> environment(JsonNode container) {
    Map<String, String> environment = new HashMap<>();
    for (JsonNode variable : container.path("env")) {
      environment.put(variable.path("name").asText(),
          variable.has("value") ? variable.path("value").asText() : "from-" + variable.path("name").asText());
    }
    return environment;
  }
}
