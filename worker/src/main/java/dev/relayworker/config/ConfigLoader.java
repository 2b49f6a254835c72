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
 * else from the properties file, else its declared default; a relay key from the environment, a
 * key file or a key variable over one written in the file ({@link KeySources}).
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
    Map<String, String> fromFile = Map.of();
    if (file != null) {
      fromFile = readProperties(file);
      rejectUnknown(fromFile, file);
      values.putAll(fromFile);
    }
    Map<String, String> fromEnvironment = EnvironmentVariables.settings(environment);
    values.putAll(fromEnvironment);
    KeySources.rank(values, fromFile, fromEnvironment);
    keysFromVariables(values, environment);
    return new WorkerConfig(values);
  }

  /** A misspelt key would otherwise be ignored silently and its default used. */
  private static void rejectUnknown(Map<String, String> values, Path file) {
    for (String key : values.keySet()) {
      if (!WorkerConfig.DEFINITION.names().contains(key) && !key.startsWith(KAFKA_PREFIX)
          && RouteSettings.settingOf(key) == null) {
        throw new ConfigException("Unknown setting '" + key + "' in " + file
            + " (see docs/configuration.md; Kafka client settings take the prefix '" + KAFKA_PREFIX + "')");
      }
    }
  }

  /**
   * Puts the key each {@code relay.api.key.env} (or {@code route.<name>.api.key.env}) names into
   * the matching {@code api.key} setting, unless that is set itself.
   */
  private static void keysFromVariables(Map<String, Object> values, Map<String, String> environment) {
    Map<String, Object> found = new HashMap<>();
    values.forEach((setting, variable) -> {
      boolean keyVariable = setting.equals(WorkerConfig.RELAY_API_KEY_ENV)
          || WorkerConfig.RELAY_API_KEY_ENV.equals(RouteSettings.settingOf(setting));
      String name = String.valueOf(variable).trim();
      if (!keyVariable || name.isEmpty()) {
        return;
      }
      String keySetting = setting.substring(0, setting.length() - ".env".length());
      String key = environment.get(name);
      if (key == null || key.isBlank()) {
        throw new ConfigException(setting + " names the environment variable " + name + ", which is not set");
      }
      found.put(keySetting, key.strip());
    });
    found.forEach(values::putIfAbsent);
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
