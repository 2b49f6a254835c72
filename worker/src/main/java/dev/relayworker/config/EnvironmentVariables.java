package dev.relayworker.config;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every setting's environment variable, so containers can be configured without a file: setting
 * {@code a.b.c} is {@code RELAY_WORKER_A_B_C}, and a Kafka client setting {@code kafka.x.y} is
 * {@code RELAY_WORKER_KAFKA_X_Y}. In a name, {@code .} becomes {@code _}, {@code _} becomes
 * {@code __} and {@code -} becomes {@code ___} (the convention of Kafka's own images), letters
 * upper case. Short names work too ({@link #SHORT_NAMES}: three from before, and the proxy
 * variables); where both are set, the {@code RELAY_WORKER_} name wins. An empty variable counts as unset.
 *
 * <p>Kubernetes gives every pod variables for each Service of its namespace: for a Service named
 * {@code relay-worker} (or {@code relay-worker-admin}, ...), {@code RELAY_WORKER_SERVICE_HOST},
 * {@code RELAY_WORKER_PORT=tcp://10.0.0.1:9400}, {@code RELAY_WORKER_PORT_9400_TCP_ADDR} and the
 * like. Those shapes ({@link #isServiceLink}) are ignored, named in a DEBUG line, even where one
 * spells a setting's variable ({@code RELAY_WORKER_ADMIN_PORT=tcp://...} is a link, not a port).
 *
 * <p>The one place the environment is read for settings. Stateless; any thread. Fails with a
 * {@link ConfigException} naming a {@code RELAY_WORKER_} variable that is no setting, never
 * quoting its value.
 */
public final class EnvironmentVariables {

  /** What every setting's variable starts with. */
  public static final String PREFIX = "RELAY_WORKER_";
  private static final Logger log = LoggerFactory.getLogger(EnvironmentVariables.class);
  private static final Pattern SERVICE_LINK = Pattern.compile("RELAY_WORKER(_[A-Z0-9_]+)?_(SERVICE_HOST"
      + "|SERVICE_PORT(_[A-Z0-9_]+)?|PORT|PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)");
  private static final Pattern LINK_VALUE = Pattern.compile("(?i)(tcp|udp|sctp)://\\S+");

  /**
   * Short names, to the setting each sets: three kept from before, and the proxy variables every
   * HTTP client reads. Where two name one setting, the first listed wins (the lower-case proxy
   * variable, as curl prefers it).
   */
  public static final Map<String, String> SHORT_NAMES = shortNames(
      "KAFKA_BOOTSTRAP_SERVERS", WorkerConfig.KAFKA_BOOTSTRAP_SERVERS,
      "RELAY_BASE_URL", WorkerConfig.RELAY_BASE_URL,
      "RELAY_API_KEY", WorkerConfig.RELAY_API_KEY,
      "https_proxy", WorkerConfig.RELAY_HTTPS_PROXY,
      "HTTPS_PROXY", WorkerConfig.RELAY_HTTPS_PROXY,
      "http_proxy", WorkerConfig.RELAY_HTTP_PROXY,
      "HTTP_PROXY", WorkerConfig.RELAY_HTTP_PROXY,
      "no_proxy", WorkerConfig.RELAY_NO_PROXY,
      "NO_PROXY", WorkerConfig.RELAY_NO_PROXY);

  private EnvironmentVariables() {}

  /** The variable that sets {@code setting}. */
  public static String of(String setting) {
    return PREFIX + setting.replace("_", "__").replace("-", "___").replace('.', '_').toUpperCase(Locale.ROOT);
  }

  /** Whether {@code variable} sets a setting (a {@code RELAY_WORKER_} name or a short name). */
  public static boolean isSetting(String variable) {
    return variable.startsWith(PREFIX) || SHORT_NAMES.containsKey(variable);
  }

  /**
   * The settings {@code environment} gives, setting name to value (trimmed).
   *
   * @throws ConfigException for a {@code RELAY_WORKER_} variable that names no setting
   */
  public static Map<String, String> settings(Map<String, String> environment) {
    Map<String, String> settings = new HashMap<>();
    SHORT_NAMES.forEach((variable, setting) -> valueOf(environment, variable)
        .ifPresent(value -> settings.putIfAbsent(setting, value)));
    new TreeMap<>(environment).forEach((variable, value) -> {
      if (!variable.startsWith(PREFIX) || value.isBlank()) {
        return;
      }
      if (isServiceLink(variable, value)) {
        log.debug("ignoring {}: a Kubernetes service variable, not a setting", variable);
        return;
      }
      settings.put(settingOf(variable), value.trim());
    });
    return settings;
  }

  /**
   * Whether {@code variable} is one Kubernetes sets for a Service whose name starts
   * {@code relay-worker}: {@code *_SERVICE_HOST}, {@code *_SERVICE_PORT[_NAME]}, {@code *_PORT} and
   * {@code *_PORT_<n>_<TCP|UDP|SCTP>[_PROTO|_PORT|_ADDR]}. A name that is also a setting's variable
   * counts as a link only when its value has a link's shape ({@code tcp://host:port}).
   */
  static boolean isServiceLink(String variable, String value) {
    if (!SERVICE_LINK.matcher(variable).matches()) {
      return false;
    }
    return !namesSetting(variable) || LINK_VALUE.matcher(value.trim()).matches();
  }

  private static boolean namesSetting(String variable) {
    try {
      settingOf(variable);
      return true;
    } catch (ConfigException notASetting) {
      return false;
    }
  }

  /** The setting a {@code RELAY_WORKER_} variable sets; refuses a name that is no setting. */
  static String settingOf(String variable) {
    String rest = variable.substring(PREFIX.length());
    StringBuilder setting = new StringBuilder();
    for (int i = 0; i < rest.length(); ) {
      char c = rest.charAt(i);
      if (c != '_') {
        setting.append(Character.toLowerCase(c));
        i++;
        continue;
      }
      int run = 0;
      while (i < rest.length() && rest.charAt(i) == '_') {
        run++;
        i++;
      }
      if (run > 3) {
        throw unknown(variable, "it has " + run + " underscores in a row");
      }
      setting.append(run == 1 ? '.' : run == 2 ? '_' : '-');
    }
    String name = setting.toString();
    boolean known = WorkerConfig.DEFINITION.names().contains(name) || RouteSettings.settingOf(name) != null
        || (name.startsWith(ConfigLoader.KAFKA_PREFIX)
        && KafkaClientSettings.isKnown(name.substring(ConfigLoader.KAFKA_PREFIX.length())));
    if (!known) {
      throw unknown(variable, "no setting is called '" + name + "'");
    }
    return name;
  }

  private static Map<String, String> shortNames(String... pairs) {
    Map<String, String> names = new LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      names.put(pairs[i], pairs[i + 1]);
    }
    return java.util.Collections.unmodifiableMap(names);
  }

  private static Optional<String> valueOf(Map<String, String> environment, String variable) {
    String value = environment.get(variable);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static ConfigException unknown(String variable, String why) {
    return new ConfigException("Unknown setting in environment variable " + variable + ": " + why
        + " (see docs/configuration.md for each setting's variable)");
  }
}
