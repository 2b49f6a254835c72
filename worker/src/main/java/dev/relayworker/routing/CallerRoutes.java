package dev.relayworker.routing;

import dev.relayworker.config.RouteSettings;
import dev.relayworker.config.WorkerConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.config.ConfigException;

/**
 * Which routes each caller may use ({@code routing.allowed.groups}: {@code 'svc-a=bulk;
 * svc-b=bulk,premium; *=bulk'}, routes named by route or group name). A caller not named, or a
 * request naming none, gets the {@code *} entry; with no {@code *}, such a request may use every
 * route only when the setting is empty altogether. Immutable; any thread.
 */
final class CallerRoutes {

  private static final String ANY = "*";

  /** Caller to the routes it may use, by route name; null: the setting is empty, every caller uses every route. */
  private final Map<String, Set<String>> allowed;

  private CallerRoutes(Map<String, Set<String>> allowed) {
    this.allowed = allowed;
  }

  /** Every caller may use every route. */
  static CallerRoutes all() {
    return new CallerRoutes(null);
  }

  /** @throws ConfigException when an entry names no route or group of {@code table} */
  static CallerRoutes from(WorkerConfig config, RouteTable table) {
    String value = config.getString(WorkerConfig.ROUTING_ALLOWED_GROUPS);
    if (value.isBlank()) {
      return all();
    }
    Map<String, List<String>> entries;
    try {
      entries = RouteSettings.modelRoutes(value);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(WorkerConfig.ROUTING_ALLOWED_GROUPS, value, e.getMessage()
          .replace("model=route", "caller=route").replace("model '", "caller '"));
    }
    Map<String, Set<String>> allowed = new java.util.HashMap<>();
    entries.forEach((caller, names) -> {
      Set<String> routes = new HashSet<>();
      for (String name : names) {
        List<RelayRoute> matching = table.all().stream()
            .filter(route -> route.name().equals(name) || route.group().equals(name)).toList();
        if (matching.isEmpty()) {
          throw new ConfigException(WorkerConfig.ROUTING_ALLOWED_GROUPS, value, "'" + name
              + "' is no route or group; routes: " + table.all().stream().map(RelayRoute::name).toList());
        }
        matching.forEach(route -> routes.add(route.name()));
      }
      allowed.put(caller, Set.copyOf(routes));
    });
    return new CallerRoutes(Map.copyOf(allowed));
  }

  /** Whether {@code caller} (null: unnamed) may use {@code route}. */
  boolean allows(String caller, RelayRoute route) {
    if (allowed == null) {
      return true;
    }
    Set<String> routes = caller != null && allowed.containsKey(caller) ? allowed.get(caller) : allowed.get(ANY);
    return routes != null && routes.contains(route.name());
  }
}
