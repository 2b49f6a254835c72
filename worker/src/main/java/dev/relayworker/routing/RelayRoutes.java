package dev.relayworker.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.config.RouteSettings;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.cost.Pricing;
import dev.relayworker.relay.RelayEndpoint;
import dev.relayworker.resilience.RelayCallListener;
import dev.relayworker.resilience.ResilientRelay;
import dev.relayworker.resilience.ScopedBudgets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the worker's relay from the settings: one {@link ResilientRelay} per route (its own
 * client, limits, budgets, key health and circuit breaker, its meters tagged with the route), and
 * the {@link RoutedRelay} that chooses among them. Fails at start-up with a
 * {@link org.apache.kafka.common.config.ConfigException} naming the route's setting; the routes
 * opened before the failure are closed.
 */
public final class RelayRoutes {

  private static final Logger log = LoggerFactory.getLogger(RelayRoutes.class);

  private RelayRoutes() {}

  /**
   * @param clock the worker's steady clock, which every span (pacing, pauses, probes) runs on
   * @param wall the wall clock, for spend-cap windows and HTTP dates
   * @param monitor gives each route its listener and sees it opened
   */
  public static RoutedRelay open(WorkerConfig config, Clock clock, Clock wall, RouteMonitor monitor) {
    List<RelayRoute> routes = new ArrayList<>();
    ScopedBudgets scoped = Economics.scoped(config, wall);
    try {
      for (String name : config.routeNames()) {
        routes.add(route(config.forRoute(name), name, scoped, clock, wall, monitor));
      }
      RouteTable table = new RouteTable(routes, RouteSettings.modelRoutes(config.getString(WorkerConfig.ROUTING_MODELS)),
          RouteTable.Strategy.valueOf(config.getString(WorkerConfig.ROUTING_STRATEGY).toUpperCase(Locale.ROOT)));
      return new RoutedRelay(table, CallerRoutes.from(config, table),
          Duration.ofMillis(config.getInt(WorkerConfig.ROUTING_UNSERVED_RECHECK_MS)), scoped, clock);
    } catch (RuntimeException e) {
      routes.forEach(route -> ((ResilientRelay) route.calls()).close());
      throw e;
    }
  }

  private static RelayRoute route(WorkerConfig settings, String name, ScopedBudgets scoped, Clock clock, Clock wall,
      RouteMonitor monitor) {
    Pricing pricing = Economics.pricing(settings);
    RelayEndpoint endpoint = RelayEndpoint.from(settings);
    log.info("relay route {}: group {}, {}", name, pricing.group(), endpoint.displayUri());
    RelayCallListener listener = monitor.listenerFor(name);
    ResilientRelay relay = ResilientRelay.forRoute(name, settings, endpoint.open(new ObjectMapper(), wall), pricing,
        Economics.budget(name, settings, pricing, wall), scoped, clock, listener);
    monitor.opened(name, relay);
    return new RelayRoute(name, pricing.group(), relay, pricing, listener);
  }
}
