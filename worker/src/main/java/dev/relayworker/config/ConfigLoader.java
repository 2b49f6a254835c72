package dev.relayworker.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;

/**
 * Builds a {@link WorkerConfig}: each setting from the environment ({@link EnvironmentVariables}),
 * else from the properties file, else its declared default.
 *
 * <p>Stateless; any thread. Fails with a {@link ConfigException} naming the file, key or variable.
 */
public final class ConfigLoader {

  /** Settings with this prefix are passed, without it, to the Kafka clients. */
  public static final String KAFKA_PREFIX = "kafka.";

  private ConfigLoader() {}

  /**
   * @param file the properties file, or null for none
   * @param environment the process environment (tests pass their own)
   */
  public static WorkerConfig load(Path file, Map<String, String> environment) {
    Map<String, Object> values = new HashMap<>();
    if (file != null) {
      Map<String, String> fromFile = readProperties(file);
      rejectUnknown(fromFile, file);
      values.putAll(fromFile);
    }
    values.putAll(EnvironmentVariables.settings(environment));
    return new WorkerConfig(values);
  }

  /** A misspelt key would otherwise be ignored silently and its default used. */
  private static void rejectUnknown(Map<String, String> values, Path file) {
    for (String key : values.keySet()) {
      if (!WorkerConfig.DEFINITION.names().contains(key) && !key.startsWith(KAFKA_PREFIX)) {
        throw new ConfigException("Unknown setting '" + key + "' in " + file
            + " (see docs/configuration.md; Kafka client settings take the prefix '" + KAFKA_PREFIX + "')");
      }
    }
  }

  private static Map<String, String> readProperties(Path file) {
    Properties properties = new Properties();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(reader);
    } catch (IOException e) {
      throw new ConfigException("Cannot read configuration file " + file + ": " + e.getMessage());
    }
    Map<String, String> values = new HashMap<>();
    properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name).trim()));
    return values;
  }
}
