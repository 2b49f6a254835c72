package dev.relayworker.routing;

import dev.relayworker.resilience.RelayCallListener;
import dev.relayworker.resilience.ResilientRelay;

/**
 * What the worker hangs on each route as {@link RelayRoutes} opens it: the listener for its
 * decisions (logs, metrics), and a look at the opened relay to bind its meters. Called on the
 * starting thread, once per route, in the routes' order.
 */
public interface RouteMonitor {

  /** The listener for route {@code route}'s decisions. */
  RelayCallListener listenerFor(String route);

  /** Route {@code route} is open; its meters may be bound. */
  void opened(String route, ResilientRelay relay);
}
