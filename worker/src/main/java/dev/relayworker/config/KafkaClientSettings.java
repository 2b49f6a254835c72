package dev.relayworker.config;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigException;

/**
 * Which {@code kafka.}-prefixed settings mean something to the Kafka clients: the names the
 * consumer, producer and admin client declare, and the prefixes they document for families of
 * settings ({@code config.providers.<name>.class}, {@code metrics.context.<label>}). Anything else
 * is a typo that would otherwise be dropped silently, leaving, say, TLS off.
 *
 * <p>Stateless; any thread.
 */
public final class KafkaClientSettings {

  /** Setting families the clients read by prefix, not by name. */
  static final List<String> PREFIXES = List.of(AbstractConfig.CONFIG_PROVIDERS_CONFIG + ".",
      CommonClientConfigs.METRICS_CONTEXT_PREFIX);

  private static final Set<String> NAMES = names();

  private KafkaClientSettings() {}

  /** Whether {@code name} (without the {@code kafka.} prefix) is one of the clients' settings. */
  public static boolean isKnown(String name) {
    return belongsTo(name, NAMES);
  }

  /** Whether {@code name} belongs to the client whose declared settings are {@code clientNames}. */
  public static boolean belongsTo(String name, Set<String> clientNames) {
    return clientNames.contains(name) || PREFIXES.stream().anyMatch(name::startsWith);
  }

  /** Refuses the first {@code kafka.}-prefixed key no client knows, naming it. */
  static void rejectUnknown(Map<String, ?> kafkaSettings) {
    new TreeSet<>(kafkaSettings.keySet()).stream().filter(name -> !isKnown(name)).findFirst().ifPresent(name -> {
      throw new ConfigException("Unknown Kafka client setting '" + ConfigLoader.KAFKA_PREFIX + name
          + "': no Kafka consumer, producer or admin client setting is called '" + name
          + "' (see the Kafka client configuration reference)");
    });
  }

  private static Set<String> names() {
    Set<String> names = new TreeSet<>(ConsumerConfig.configNames());
    names.addAll(ProducerConfig.configNames());
    names.addAll(AdminClientConfig.configNames());
    return Set.copyOf(names);
  }
}
