package dev.relayworker.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.config.RouteSettings;
import dev.relayworker.config.WorkerConfig;
import dev.relayworker.cost.Pricing;
import dev.relayworker.metrics.WorkerMetrics;
import dev.relayworker.relay.RelayEndpoint;
import dev.relayworker.resilience.RelayCallListener;
import dev.relayworker.resilience.RelayPolicy;
import dev.relayworker.resilience.ResilientRelay;
import dev.relayworker.routing.RelayRoute;
import dev.relayworker.routing.RouteTable;
import dev.relayworker.routing.RoutedRelay;
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
final class RelayRoutes {

  private static final Logger log = LoggerFactory.getLogger(RelayRoutes.class);

  private RelayRoutes() {}

  /**
   * @param clock the worker's steady clock, which every span (pacing, pauses, probes) runs on
   * @param wall the wall clock, for spend-cap windows and HTTP dates
   */
  static RoutedRelay open(WorkerConfig config, Clock clock, Clock wall, WorkerMetrics metrics) {
    List<RelayRoute> routes = new ArrayList<>();
    try {
      for (String name : config.routeNames()) {
        routes.add(route(config.forRoute(name), name, clock, wall, metrics));
      }
      RouteTable table = new RouteTable(routes, RouteSettings.modelRoutes(config.getString(WorkerConfig.ROUTING_MODELS)),
          RouteTable.Strategy.valueOf(config.getString(WorkerConfig.ROUTING_STRATEGY).toUpperCase(Locale.ROOT)));
      return new RoutedRelay(table, Duration.ofMillis(config.getInt(WorkerConfig.ROUTING_UNSERVED_RECHECK_MS)), clock);
    } catch (RuntimeException e) {
      routes.forEach(route -> ((ResilientRelay) route.calls()).close());
      throw e;
    }
  }

  private static RelayRoute route(WorkerConfig settings, String name, Clock clock, Clock wall, WorkerMetrics metrics) {
    Pricing pricing = Economics.pricing(settings);
    RelayEndpoint endpoint = RelayEndpoint.from(settings);
    log.info("relay route {}: group {}, {}", name, pricing.group(), endpoint.displayUri());
    RelayPolicy policy = RelayPolicy.from(settings);
    ResilientRelay relay = new ResilientRelay(name, endpoint.open(new ObjectMapper(), wall), policy, pricing,
        Economics.budget(settings, pricing, wall), clock,
        RelayCallListener.all(new LoggingRelayListener(name), metrics.relayListener(name)));
    metrics.bind(name, relay);
    return new RelayRoute(name, pricing.group(), relay, pricing);
  }
}
