package dev.relayworker.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigException;

/**
 * The settings of relay routes, read from {@link WorkerConfig}: {@code routes} names them, and
 * {@code route.<name>.<setting>} gives one route its own value of a relay, budget or price setting
 * ({@code route.cheap.base.url} is that route's {@code relay.base.url},
 * {@code route.cheap.budget.usd.per.day} its {@code budget.usd.per.day}). The settings keep their
 * one declaration in {@link WorkerConfig#DEFINITION}; a route's view is validated by it like the
 * top level.
 *
 * <p>Stateless; any thread. Fails with a {@link ConfigException} naming the setting.
 */
public final class RouteSettings {

  /** What every route setting starts with. */
  public static final String PREFIX = "route.";
  /** The route the top-level settings make when {@code routes} is empty. */
  public static final String DEFAULT_ROUTE = "default";
  /** A {@code routing.models} entry for any model it does not name. */
  public static final String ANY_MODEL = "*";

  /** Route names: they tag metrics and replies, so they are short. */
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final String RELAY_PREFIX = "relay.";
  /** The settings a key may come from, without the {@code relay.} prefix: a route's own are {@code route.NAME.api.key}... */
  private static final List<String> KEY_SOURCES = List.of(WorkerConfig.RELAY_API_KEY, WorkerConfig.RELAY_API_KEY_FILE,
      WorkerConfig.RELAY_API_KEY_ENV).stream().map(name -> name.substring(RELAY_PREFIX.length())).toList();
  /** Worker-wide: the share of limits follows the worker's partitions, the same for every route. */
  private static final Set<String> NOT_PER_ROUTE = Set.of(WorkerConfig.RELAY_LIMIT_SHARE,
      WorkerConfig.RELAY_USAGE_MAX_TOKENS);

  private RouteSettings() {}

  /**
   * The setting that {@code key} gives a route its own value of, or null when {@code key} is no
   * route setting ({@code route.<name>.<setting>} with a known setting).
   */
  public static String settingOf(String key) {
    if (!key.startsWith(PREFIX)) {
      return null;
    }
    int dot = key.indexOf('.', PREFIX.length());
    if (dot < 0 || !NAME.matcher(key.substring(PREFIX.length(), dot)).matches()) {
      return null;
    }
    String rest = key.substring(dot + 1);
    if (isPerRoute(RELAY_PREFIX + rest)) {
      return RELAY_PREFIX + rest;
    }
    return (rest.startsWith("budget.") || rest.equals(WorkerConfig.PRICE_TABLE_FILE)) && isPerRoute(rest) ? rest : null;
  }

  /** The route a route setting belongs to. */
  static String routeOf(String key) {
    return key.substring(PREFIX.length(), key.indexOf('.', PREFIX.length()));
  }

  /** {@code setting} as route {@code route} names it ({@code relay.base.url} is {@code route.x.base.url}). */
  public static String nameFor(String route, String setting) {
    String rest = setting.startsWith(RELAY_PREFIX) ? setting.substring(RELAY_PREFIX.length()) : setting;
    return PREFIX + route + "." + rest;
  }

  private static boolean isPerRoute(String setting) {
    return WorkerConfig.DEFINITION.names().contains(setting) && !NOT_PER_ROUTE.contains(setting);
  }

  /** The route names, in the order of {@code routes}; {@link #DEFAULT_ROUTE} alone when it is empty. */
  static List<String> names(WorkerConfig config) {
    List<String> names = config.getList(WorkerConfig.ROUTES);
    return names.isEmpty() ? List.of(DEFAULT_ROUTE) : List.copyOf(names);
  }

  /** Refuses route settings of routes {@code routes} does not name, and routing entries naming unknown routes. */
  static void check(WorkerConfig config, Map<String, ?> originals) {
    Set<String> known = new LinkedHashSet<>(config.getList(WorkerConfig.ROUTES));
    for (String key : originals.keySet()) {
      if (!key.startsWith(PREFIX)) {
        continue;
      }
      if (settingOf(key) == null) {
        throw new ConfigException("Unknown route setting '" + key + "': a route takes route.<name>.<setting> for"
            + " every relay.* setting but " + WorkerConfig.RELAY_LIMIT_SHARE + " (without 'relay.'), budget.* and "
            + WorkerConfig.PRICE_TABLE_FILE);
      }
      if (!known.contains(routeOf(key))) {
        throw new ConfigException("Setting '" + key + "' is of route '" + routeOf(key) + "', which "
            + WorkerConfig.ROUTES + " does not name" + (known.isEmpty() ? " (it is empty)" : " (" + known + ")"));
      }
    }
    known.forEach(route -> requireOwnKeyForOwnHost(route, originals));
    List<String> names = names(config);
    modelRoutes(config.getString(WorkerConfig.ROUTING_MODELS)).forEach((model, routes) -> {
      for (String route : routes) {
        if (!names.contains(route)) {
          throw new ConfigException(WorkerConfig.ROUTING_MODELS, config.getString(WorkerConfig.ROUTING_MODELS),
              "model '" + model + "' names route '" + route + "', which is not one of " + names);
        }
      }
    });
  }

  /**
   * Refuses a route that sends its calls to another host than the top level's {@code relay.base.url}
   * without a key of its own: it would send the top-level key, meant for one relay, to another.
   */
  private static void requireOwnKeyForOwnHost(String route, Map<String, ?> originals) {
    Object own = originals.get(PREFIX + route + "." + WorkerConfig.RELAY_BASE_URL.substring(RELAY_PREFIX.length()));
    if (own == null || String.valueOf(own).isBlank()
        || sameOrigin(String.valueOf(own), String.valueOf(originals.get(WorkerConfig.RELAY_BASE_URL)))
        || hasKeySource(originals, PREFIX + route + ".") || !hasKeySource(originals, RELAY_PREFIX)) {
      return; // Its own host with its own key, or no top-level key that could go astray.
    }
    throw new ConfigException("Route '" + route + "' sends its calls to " + origin(String.valueOf(own)) + ", not to "
        + WorkerConfig.RELAY_BASE_URL + "'s host, but names no key of its own: set " + PREFIX + route + "." + KEY_SOURCES.get(0)
        + ", " + PREFIX + route + "." + KEY_SOURCES.get(1) + " or " + PREFIX + route + "." + KEY_SOURCES.get(2)
        + " (the top-level key is never sent to another host)");
  }

  private static boolean hasKeySource(Map<String, ?> originals, String scope) {
    for (String source : KEY_SOURCES) {
      Object value = originals.get(scope + source);
      if (value != null && !String.valueOf(value).isBlank()) {
        return true;
      }
    }
    return false;
  }

  private static boolean sameOrigin(String a, String b) {
    return origin(a).equalsIgnoreCase(origin(b));
  }

  /** scheme://host:port of a URL, without user info, path or query; the text itself when it is no URL. */
  private static String origin(String url) {
    try {
      java.net.URI uri = java.net.URI.create(url.strip());
      if (uri.getHost() == null) {
        return "an unparsable URL";
      }
      int port = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
      return uri.getScheme() + "://" + uri.getHost() + ":" + port;
    } catch (IllegalArgumentException e) {
      return "an unparsable URL";
    }
  }

  /**
   * The routes named for each model by a {@code routing.models} value, in order: model to route
   * names. Empty when {@code value} is blank.
   *
   * @throws IllegalArgumentException naming what is wrong with {@code value}
   */
  public static Map<String, List<String>> modelRoutes(String value) {
    Map<String, List<String>> routes = new LinkedHashMap<>();
    for (String entry : value.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int equals = entry.lastIndexOf('=');
      String model = equals < 0 ? "" : entry.substring(0, equals).trim();
      if (model.isEmpty()) {
        throw new IllegalArgumentException("entry '" + entry.trim() + "' is not model=route[,route...]");
      }
      List<String> names = new ArrayList<>();
      for (String name : entry.substring(equals + 1).split(",")) {
        String route = name.trim();
        if (!NAME.matcher(route).matches()) {
          throw new IllegalArgumentException("entry '" + entry.trim() + "' names a route '" + route
              + "'; route names are letters, digits, '_' and '-'");
        }
        if (names.contains(route)) {
          throw new IllegalArgumentException("entry '" + entry.trim() + "' names route '" + route + "' twice");
        }
        names.add(route);
      }
      if (routes.put(model, List.copyOf(names)) != null) {
        throw new IllegalArgumentException("model '" + model + "' has two entries");
      }
    }
    return routes;
  }

  /** The top-level values with route {@code name}'s own ones over them, and its group defaulting to its name. */
  static Map<String, Object> overlay(Map<String, ?> originals, String name) {
    Map<String, Object> values = new LinkedHashMap<>(originals);
    values.put(WorkerConfig.RELAY_GROUP, name);
    String prefix = PREFIX + name + ".";
    originals.forEach((key, value) -> {
      if (key.startsWith(prefix)) {
        values.put(settingOf(key), value);
      }
    });
    if (!originals.containsKey(prefix + KEY_SOURCES.get(0)) && (originals.containsKey(prefix + KEY_SOURCES.get(1))
        || originals.containsKey(prefix + KEY_SOURCES.get(2)))) {
      // The route names its own key source: the top level's key must not win over it.
      values.remove(WorkerConfig.RELAY_API_KEY);
    }
    return values;
  }
}
