package dev.relayworker.routing;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which routes serve which model, in the order they are tried: the model's entry in
 * {@code routing.models}, else its {@code *} entry, else every route in the order of
 * {@code routes}; under {@link Strategy#CHEAPEST}, sorted by the model's price in each route's
 * group, the listed order breaking ties and routes that cannot price the model last.
 *
 * <p>Immutable but for a cache of computed orders; thread-safe.
 */
public final class RouteTable {

  /** How a model's routes are ordered. */
  public enum Strategy {
    /** As listed. */
    ORDERED,
    /** Cheapest first by the model's price per token in each route's group. */
    CHEAPEST
  }

  /** Model names come from requests: remember the order of this many at most. */
  private static final int MAX_CACHED_MODELS = 1_000;
  private static final String ANY_MODEL = "*";

  private final List<RelayRoute> routes;
  private final Map<String, List<RelayRoute>> listed;
  private final Strategy strategy;
  private final Map<String, List<RelayRoute>> orders = new ConcurrentHashMap<>();

  /**
   * @param routes every route, in the order of {@code routes}
   * @param modelRoutes route names by model ({@code routing.models}); each must name a route
   * @throws IllegalArgumentException when {@code routes} is empty or a name is unknown
   */
  public RouteTable(List<RelayRoute> routes, Map<String, List<String>> modelRoutes, Strategy strategy) {
    if (routes.isEmpty()) {
      throw new IllegalArgumentException("a route table needs at least one route");
    }
    this.routes = List.copyOf(routes);
    this.strategy = strategy;
    Map<String, List<RelayRoute>> resolved = new java.util.HashMap<>();
    modelRoutes.forEach((model, names) -> resolved.put(model, names.stream().map(this::route).toList()));
    this.listed = Map.copyOf(resolved);
  }

  /** Every route, in the order of {@code routes}. */
  public List<RelayRoute> all() {
    return routes;
  }

  /** The routes that serve {@code model}, in the order they are tried; never empty. */
  public List<RelayRoute> routesFor(String model) {
    String key = model == null ? "" : model;
    List<RelayRoute> order = orders.get(key);
    if (order == null) {
      order = order(key);
      if (orders.size() < MAX_CACHED_MODELS) {
        orders.putIfAbsent(key, order);
      }
    }
    return order;
  }

  /** The route of {@code model} a request names by route or group name, if it serves the model. */
  public Optional<RelayRoute> named(String nameOrGroup, String model) {
    List<RelayRoute> serving = routesFor(model);
    return serving.stream().filter(route -> route.name().equals(nameOrGroup)).findFirst()
        .or(() -> serving.stream().filter(route -> route.isCalled(nameOrGroup)).findFirst());
  }

  private List<RelayRoute> order(String model) {
    List<RelayRoute> base = listed.getOrDefault(model, listed.getOrDefault(ANY_MODEL, routes));
    if (strategy == Strategy.ORDERED || base.size() < 2) {
      return base;
    }
    List<RelayRoute> sorted = new ArrayList<>(base);
    // List.sort is stable: routes of equal price keep their listed order.
    sorted.sort(Comparator.comparingDouble(route -> route.pricing().table()
        .quotaPerMillionTokens(model, route.group()).orElse(Double.POSITIVE_INFINITY)));
    return List.copyOf(sorted);
  }

  private RelayRoute route(String name) {
    return routes.stream().filter(route -> route.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no route '" + name + "'"));
  }
}
