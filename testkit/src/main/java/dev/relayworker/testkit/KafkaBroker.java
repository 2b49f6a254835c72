package dev.relayworker.testkit;

import dev.relayworker.testkit.EmbeddedKafka;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * One real Kafka broker for the whole test run, handed to any test method or lifecycle method
 * that takes a {@link KafkaBroker} parameter: a Testcontainers {@code apache/kafka} container
 * where Docker is available, Kafka's in-JVM KRaft test kit otherwise (as on the development
 * machines and CI). {@code -Drelayworker.test.broker=embedded|container} forces one. Tests use
 * unique topic names, so they share the broker safely.
 */
public final class KafkaBroker implements ParameterResolver {

  private static final Logger log = LoggerFactory.getLogger(KafkaBroker.class);
  /** The broker image tests run against where Docker exists; docker-compose.yml runs the same one. */
  public static final String IMAGE = "apache/kafka:4.1.1";

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
    boolean container = choice.equals("container")
        || (choice.equals("auto") && DockerClientFactory.instance().isDockerAvailable());
    if (container) {
      KafkaContainer kafka = new KafkaContainer(IMAGE);
      kafka.start();
      log.info("test broker: container {} at {}", IMAGE, kafka.getBootstrapServers());
      return new Running(kafka.getBootstrapServers(), kafka::stop);
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
