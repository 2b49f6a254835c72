package dev.relayworker.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which source gives a relay key, for the top level and for each route. A key set in the
 * environment ({@code RELAY_API_KEY}, {@code RELAY_WORKER_..._API_KEY}), a key file
 * ({@code api.key.file}) or a key variable ({@code api.key.env}) wins over an {@code api.key}
 * written in the properties file: that one is dropped, with an INFO line saying so, so a sample
 * key in a shipped or mounted file can never be sent where the operator meant another. Two of the
 * former at once are a mistake that stops start-up, naming both.
 *
 * <p>Stateless; any thread. Never reads or prints a key.
 */
final class KeySources {

  private static final Logger log = LoggerFactory.getLogger(KeySources.class);
  private static final String KEY = "api.key";

  private KeySources() {}

  /**
   * Drops the properties file's key where another source gives one.
   *
   * @param values every setting, the environment's over the file's; changed in place
   * @param fromFile the settings the properties file gives
   * @param fromEnvironment the settings the environment gives
   * @throws ConfigException naming both sources when two of the higher rank give a key
   */
  static void rank(Map<String, Object> values, Map<String, String> fromFile, Map<String, String> fromEnvironment) {
    for (String scope : scopes(values)) {
      String key = scope + KEY;
      List<String> given = new ArrayList<>();
      if (fromEnvironment.containsKey(key)) {
        given.add(key + " (from the environment)");
      }
      for (String source : List.of(key + ".file", key + ".env")) {
        Object value = values.get(source);
        if (value != null && !String.valueOf(value).isBlank()) {
          given.add(source + (fromEnvironment.containsKey(source) ? " (from the environment)" : " (in the file)"));
        }
      }
      if (given.size() > 1) {
        throw new ConfigException("The relay key is given twice: " + String.join(" and ", given)
            + "; keep one (a key set in the file is overridden by either, two of these are ambiguous)");
      }
      if (given.size() == 1 && fromFile.containsKey(key) && !fromEnvironment.containsKey(key)) {
        values.remove(key);
        log.info("{} in the configuration file is not used: the key comes from {}", key, given.get(0));
      }
    }
  }

  /** {@code relay.} and each {@code route.<name>.} that names a key source. */
  private static Set<String> scopes(Map<String, Object> values) {
    Set<String> scopes = new TreeSet<>();
    for (String setting : values.keySet()) {
      for (String suffix : List.of(KEY, KEY + ".file", KEY + ".env")) {
        if (setting.endsWith("." + suffix) || setting.equals("relay." + suffix)) {
          scopes.add(setting.substring(0, setting.length() - suffix.length()));
        }
      }
    }
    return scopes;
  }
}
