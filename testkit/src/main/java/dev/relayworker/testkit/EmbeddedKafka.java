package dev.relayworker.testkit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (combined KRaft controller and broker) inside this JVM, from
 * Kafka's own test kit: for {@code demo}, {@code bench} and tests on machines without Docker.
 * It behaves like a production 4.x broker: production metadata version and feature levels
 * (so {@code group.protocol=consumer} works), replication factor 1 for internal topics.
 *
 * <p>Start takes 3-9 s; data lives in a temporary directory deleted on {@link #close()}.
 */
public final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final KafkaClusterTestKit cluster;

  private EmbeddedKafka(KafkaClusterTestKit cluster) {
    this.cluster = cluster;
  }

  public static EmbeddedKafka start() {
    Map<String, Short> features = Feature.PRODUCTION_FEATURES.stream().collect(Collectors.toMap(
        Feature::featureName, feature -> feature.defaultLevel(MetadataVersion.LATEST_PRODUCTION)));
    BootstrapMetadata bootstrap = BootstrapMetadata.fromVersions(MetadataVersion.LATEST_PRODUCTION, features,
        "relay-worker embedded broker");
    TestKitNodes nodes = new TestKitNodes.Builder(bootstrap)
        .setCombined(true)
        .setNumBrokerNodes(1)
        .setNumControllerNodes(1)
        .build();
    try {
      KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
          .setConfigProp("offsets.topic.replication.factor", "1")
          // One partition: fifty would make the first consumer join seconds slower.
          .setConfigProp("offsets.topic.num.partitions", "1")
          .setConfigProp("transaction.state.log.replication.factor", "1")
          .setConfigProp("transaction.state.log.min.isr", "1")
          .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
          .setConfigProp("share.coordinator.state.topic.min.isr", "1")
          // One partition for the share groups' state, as for the offsets: fifty slow the first share join.
          .setConfigProp("share.coordinator.state.topic.num.partitions", "1")
          // A share member learns its assignment on a heartbeat: every second, not every five.
          .setConfigProp("group.share.min.heartbeat.interval.ms", "1000")
          .setConfigProp("group.share.heartbeat.interval.ms", "1000")
          .setConfigProp("group.initial.rebalance.delay.ms", "0")
          .setConfigProp("unstable.api.versions.enable", "false")
          .setConfigProp("unstable.feature.versions.enable", "false")
          .setConfigProp("auto.create.topics.enable", "false")
          // Abort a killed producer's open transaction soon after it times out (default: every 10 s).
          .setConfigProp("transaction.abort.timed.out.transaction.cleanup.interval.ms", "1000")
          .build();
      formatQuietly(cluster);
      cluster.startup();
      cluster.waitForReadyBrokers();
      return new EmbeddedKafka(cluster);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the embedded Kafka broker", e);
    } catch (Exception e) {
      throw new IllegalStateException("could not start the embedded Kafka broker: " + e.getMessage(), e);
    }
  }

  /**
   * Formats the storage, sending the two lines Kafka's formatter prints to standard output
   * ("Bootstrap metadata: ...", "Formatting metadata directory ...") to the log at debug instead.
   * The formatter writes to {@code System.out} and takes no other stream; anything another thread
   * prints during the second this takes goes to the log too.
   */
  private static void formatQuietly(KafkaClusterTestKit cluster) throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream stdout = System.out;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      cluster.format();
    } finally {
      System.setOut(stdout);
      printed.toString(StandardCharsets.UTF_8).lines().forEach(line -> log.debug("{}", line));
    }
  }

  public String bootstrapServers() {
    return cluster.bootstrapServers();
  }

  @Override
  public void close() {
    try {
      cluster.close();
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the embedded Kafka broker cleanly", e);
    }
  }
}
