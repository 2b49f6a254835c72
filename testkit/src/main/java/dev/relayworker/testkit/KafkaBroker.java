package dev.relayworker.testkit;

import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * One real Kafka broker for the whole test run, handed to any test method or lifecycle method
 * that takes a {@link KafkaBroker} parameter: a Testcontainers {@code apache/kafka} container
 * where a Docker engine answers and a Kafka image is at hand ({@link ContainerImages}), Kafka's
 * in-JVM KRaft test kit otherwise. It says which in the test log. A Docker engine that cannot
 * pull (no registry) never holds the run up: the pull is given {@link ContainerImages#PULL_WAIT}.
 * {@code -Drelayworker.test.broker=embedded|container} forces one. Tests use unique topic names,
 * so they share the broker safely.
 */
public final class KafkaBroker implements ParameterResolver {

  private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);
  /** The Kafka version of the clients, the in-JVM broker, the broker image and the compose file. */
  public static final String KAFKA_VERSION = AppInfoParser.getVersion();
  /** The broker image tests run against where Docker exists; docker-compose.yml runs the same one. */
  public static final String IMAGE = "apache/kafka:" + KAFKA_VERSION;
  /** The stand-in {@code bin/local-images} builds from Maven Central's Kafka jars where no registry answers. */
  public static final String LOCAL_IMAGE = "relay-worker-local/kafka:" + KAFKA_VERSION;

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Running.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Running.class, key -> start(), Running.class);
  }

  private static Running start() {
    String choice = System.getProperty("relayworker.test.broker", "auto");
    if (!choice.equals("embedded")) {
      ContainerImages.Choice image = ContainerImages.kafka(IMAGE, LOCAL_IMAGE, choice.equals("container"));
      if (image.name() != null) {
        // Share groups keep their state in a topic of their own, at 3 replicas unless told: one broker here.
        KafkaContainer kafka = new KafkaContainer(DockerImageName.parse(image.name())
            .asCompatibleSubstituteFor("apache/kafka"))
            .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR", "1")
            .withEnv("KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR", "1")
            // A share member learns its assignment on a heartbeat: every second, not every five.
            .withEnv("KAFKA_GROUP_SHARE_MIN_HEARTBEAT_INTERVAL_MS", "1000")
            .withEnv("KAFKA_GROUP_SHARE_HEARTBEAT_INTERVAL_MS", "1000");
        kafka.start();
        log.info("test broker: container {} at {}", image.name(), kafka.getBootstrapServers());
        return new Running(kafka.getBootstrapServers(), kafka::stop);
      }
      log.info("test broker: no container ({}); using the in-JVM KRaft test kit", image.why());
    }
    EmbeddedKafka kafka = EmbeddedKafka.start();
    log.info("test broker: in-JVM KRaft test kit at {}", kafka.bootstrapServers());
    return new Running(kafka.bootstrapServers(), kafka::close);
  }

  /** The running broker; closed by JUnit at the end of the run. */
  public record Running(String bootstrapServers, Runnable stop) implements AutoCloseable {
    @Override
    public void close() {
      stop.run();
    }
  }
}
