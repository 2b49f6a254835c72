package dev.relayworker.routing;

import dev.relayworker.relay.FailureClassifier;
import dev.relayworker.relay.FailureSource;
import dev.relayworker.relay.RelayException;
import dev.relayworker.resilience.CallFailedException.Reason;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.Hold;
import dev.relayworker.resilience.RelayAvailability;
import dev.relayworker.resilience.RelayCalls.Readiness;
import dev.relayworker.resilience.RelayCalls;
import dev.relayworker.resilience.RelayRequest;
import dev.relayworker.resilience.ScopedBudgets;
import dev.relayworker.resilience.SpendRecord;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay as several routes (keys of several groups) make it: each request goes to the first
 * of its model's routes ({@link RouteTable}) that can take it, and on to the next only when a
 * route fails it for reasons of its own.
 *
 * <p>Choosing: a route the request names by route or group name ({@link RelayRequest#group()})
 * comes first, then the model's others in order. A route is skipped while it cannot take calls
 * (circuit open, key out of quota or refused, spend cap reached, paused by a 429 for the model
 * or the key) or after it
 * said it does not serve the model ({@link UnservedModels}); a route whose token budget per minute
 * is smaller than the request's token estimate is left out while another has room for it. When every route is skipped, the
 * first is asked anyway, as a single relay would be: it holds the request (parked) or waits out
 * a 429 pause.
 *
 * <p>Falling over: a request moves to the next route on route-level failures only: no channel
 * for the model or model not allowed for the group (remembered), a key out or refused, an open
 * circuit, a 429 asking for a pause (a route with another after it does not wait it out),
 * retries spent on transient failures, a refusal of this request as over the key's balance
 * (another key may hold enough; the route stays open), a model the route cannot price under its
 * spend cap. A request-level failure (400, 404, 422, a
 * 403 that says nothing of the key or group: another
 * group will not fix the request) and a passed deadline are answered at once. When the last route
 * fails, the request is parked if some route of its model was down (it may come back) and
 * answered with the last failure otherwise.
 *
 * <p>A relay of one route behaves exactly as that route's {@link RelayCalls}. Threads: any;
 * {@link #complete} never blocks, and the next route is asked on the thread the last one
 * finished on.
 */
public final class RoutedRelay implements RelayCalls, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RoutedRelay.class);

  private final RouteTable table;
  private final CallerRoutes callers;
  private final UnservedModels unserved;
  private final ScopedBudgets scoped;

  /**
   * Every caller may use every route; no caller or model caps.
   *
   * @param unservedRecheck how long a route that does not serve a model is skipped for it
   * @param clock the time that memory is kept on
   */
  public RoutedRelay(RouteTable table, Duration unservedRecheck, Clock clock) {
    this(table, CallerRoutes.all(), unservedRecheck, ScopedBudgets.none(), clock);
  }

  /**
   * @param callers which routes each caller may use
   * @param scoped the caller and model caps the routes count against, shared and rebased here once
   */
  RoutedRelay(RouteTable table, CallerRoutes callers, Duration unservedRecheck, ScopedBudgets scoped, Clock clock) {
    this.table = table;
    this.callers = callers;
    this.unserved = new UnservedModels(unservedRecheck, clock);
    this.scoped = scoped;
  }

  /** The routes, in the order of {@code routes}. */
  public List<RelayRoute> routes() {
    return table.all();
  }

  @Override
  public CompletableFuture<CallResult> complete(RelayRequest request, int chargedBefore) {
    List<RelayRoute> candidates;
    try {
      candidates = candidates(request.model(), request.group(), request.caller());
    } catch (UnroutableException e) {
      return CompletableFuture.failedFuture(new CallFailedException(Reason.UNROUTABLE, 0, 0, null, e.getMessage()));
    }
    if (candidates.size() == 1) {
      RelayRoute only = candidates.get(0);
      return only.calls().complete(request.onRoute(only.name(), only.group()), chargedBefore)
          .thenApply(result -> result.via(only.name(), only.group(), 0));
    }
    CompletableFuture<CallResult> result = new CompletableFuture<>();
    choose(request, candidates, result).tryRoute(0, chargedBefore);
    return result;
  }

  /** The pacing wait of the route a request would try first (zero when none serves it). */
  @Override
  public Duration pacingWait(String model, String group, String caller) {
    try {
      return candidates(model, group, caller).get(0).calls().pacingWait(model, group, caller);
    } catch (UnroutableException e) {
      return Duration.ZERO;
    }
  }

  /**
   * The routes a request goes along, in order: those that take it now; else those whose token
   * budget is too small for it (better than waiting for a route that is down); else the first
   * route that may serve its model, which holds it or waits out its pause as a single relay would.
   * Each route is asked once ({@link RelayCalls#readiness}); a route left out while another goes
   * is told why.
   */
  private Fallback choose(RelayRequest request, List<RelayRoute> candidates, CompletableFuture<CallResult> result) {
    List<RelayRoute> taking = new ArrayList<>(candidates.size());
    List<RelayRoute> overBudget = new ArrayList<>(0);
    List<RelayRoute> unavailable = new ArrayList<>(0);
    for (RelayRoute route : candidates) {
      if (unserved.mayServe(route, request.model())) {
        switch (route.calls().readiness(request.model(), request.tokenEstimate())) {
          case TAKES -> taking.add(route);
          case OVER_TOKEN_BUDGET -> overBudget.add(route);
          case UNAVAILABLE -> unavailable.add(route);
        }
      }
    }
    List<RelayRoute> chosen;
    if (!taking.isEmpty()) {
      chosen = taking;
      overBudget.forEach(route -> route.listener().skipped(request.model(), Readiness.OVER_TOKEN_BUDGET));
    } else if (!overBudget.isEmpty()) {
      chosen = overBudget;
    } else {
      chosen = List.of(!unavailable.isEmpty() ? unavailable.get(0) : candidates.get(0));
    }
    if (chosen != unavailable) {
      unavailable.stream().filter(route -> !chosen.contains(route))
          .forEach(route -> route.listener().skipped(request.model(), Readiness.UNAVAILABLE));
    }
    return new Fallback(request, chosen, !unavailable.isEmpty(), result);
  }

  @Override
  public RelayAvailability availability() {
    return best(table.all(), null);
  }

  @Override
  public RelayAvailability availabilityFor(String model, String group) {
    return availabilityFor(model, group, null);
  }

  @Override
  public RelayAvailability availabilityFor(String model, String group, String caller) {
    Hold overBudget = scoped.hold(caller, model);
    if (overBudget != null) {
      return new RelayAvailability(RelayAvailability.State.UNAVAILABLE, null, "", overBudget);
    }
    List<RelayRoute> candidates;
    try {
      candidates = candidates(model, group, caller);
    } catch (UnroutableException e) {
      candidates = table.routesFor(model);
    }
    List<RelayRoute> serving = candidates.stream().filter(route -> unserved.mayServe(route, model)).toList();
    return best(serving.isEmpty() ? candidates : serving, model);
  }

  @Override
  public void share(double fraction) {
    table.all().forEach(route -> route.calls().share(fraction));
    scoped.share(fraction);
  }

  @Override
  public void rebase(double fraction, SpendRecord record) {
    table.all().forEach(route -> route.calls().rebase(fraction, record));
    scoped.rebase(fraction, record);
  }

  @Override
  public void close() {
    for (RelayRoute route : table.all()) {
      if (route.calls() instanceof AutoCloseable closeable) {
        try {
          closeable.close();
        } catch (Exception e) {
          // Closing the others matters more than this one's complaint.
          log.warn("closing route {} failed: {}", route.name(), e.getClass().getSimpleName());
        }
      }
    }
  }

  /**
   * The routes a request may go to, in order: the one it names first, then its model's others;
   * only those its caller may use (null: every route, as for a parked request's availability).
   */
  private List<RelayRoute> candidates(String model, String group, String caller) {
    List<RelayRoute> routes = table.routesFor(model).stream().filter(route -> callers.allows(caller, route)).toList();
    if (routes.isEmpty()) {
      throw new UnroutableException("no route this request's caller may use serves model '" + model + "'");
    }
    if (group == null) {
      return routes;
    }
    RelayRoute named = table.named(group, model).filter(routes::contains).orElseThrow(() -> new UnroutableException(
        "relay group '" + group + "' names no route that serves model '" + model + "' and this request may use;"
            + " its routes: " + String.join(", ", routes.stream().map(RelayRoute::name).toList())));
    List<RelayRoute> ordered = new ArrayList<>(routes.size());
    ordered.add(named);
    routes.stream().filter(route -> route != named).forEach(ordered::add);
    return ordered;
  }

  /** The most willing of {@code routes}: their best state, and the hold and pause of the first route in it. */
  private static RelayAvailability best(List<RelayRoute> routes, String model) {
    if (routes.size() == 1) {
      return availability(routes.get(0), model);
    }
    RelayAvailability best = null;
    StringBuilder circuits = new StringBuilder();
    for (RelayRoute route : routes) {
      RelayAvailability availability = availability(route, model);
      circuits.append(circuits.length() == 0 ? "" : " ").append(route.name()).append(':').append(availability.circuit());
      if (best == null || availability.state().ordinal() < best.state().ordinal()) {
        best = availability;
      }
    }
    return new RelayAvailability(best.state(), best.pausedUntil(), circuits.toString(), best.hold());
  }

  /** The route's availability for {@code model}, or for any call when {@code model} is null. */
  private static RelayAvailability availability(RelayRoute route, String model) {
    return model == null ? route.calls().availability() : route.calls().availability(model);
  }

  /**
   * Whether {@code failure} is the route's, not the request's: another route may answer. Also
   * tells whether the route should be remembered as not serving the model.
   */
  static boolean isRouteLevel(CallFailedException failure) {
    return switch (failure.reason()) {
      // UNPRICED: a route without a cap, or with the model priced, may take it.
      case CIRCUIT_OPEN, HELD, PAUSED, RETRIES_EXHAUSTED, UNPRICED -> true;
      // OVER_BUDGET: the caller's or model's cap counts on every route alike.
      case DEADLINE_EXCEEDED, UNROUTABLE, OVER_BUDGET -> false;
      // Too large for this key's balance: another key may hold enough; the route stays open.
      case REJECTED -> failure.lastFailure().filter(last -> last.source() == FailureSource.KEY
          || isModelNotServed(last) || FailureClassifier.isOverBalance(last.httpStatus(), last.error())).isPresent();
    };
  }

  private static boolean isModelNotServed(RelayException failure) {
    return FailureClassifier.isModelNotServed(failure.httpStatus(), failure.error());
  }

  private static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  /** One request's way along its usable routes. */
  private final class Fallback {
    private final RelayRequest request;
    private final List<RelayRoute> routes;
    private final CompletableFuture<CallResult> result;
    private final List<String> tried = new ArrayList<>();
    private boolean outage;
    private int attempts;

    Fallback(RelayRequest request, List<RelayRoute> routes, boolean outage, CompletableFuture<CallResult> result) {
      this.request = request;
      this.routes = routes;
      this.outage = outage;
      this.result = result;
    }

    void tryRoute(int index, int chargedBefore) {
      RelayRoute route = routes.get(index);
      RelayRequest onRoute = request.withOtherRoutes(index + 1 < routes.size()).onRoute(route.name(), route.group());
      route.calls().complete(onRoute, chargedBefore)
          .whenComplete((answer, failure) -> {
            if (failure == null) {
              result.complete(answer.via(route.name(), route.group(), attempts));
            } else if (!(unwrap(failure) instanceof CallFailedException callFailed)) {
              result.completeExceptionally(unwrap(failure));
            } else {
              failed(index, route, callFailed);
            }
          });
    }

    private void failed(int index, RelayRoute route, CallFailedException failure) {
      attempts += failure.attempts();
      if (!isRouteLevel(failure)) {
        result.completeExceptionally(withTotals(failure, failure.reason(), failure.charged(), failure.getMessage()));
        return;
      }
      if (failure.reason() == Reason.REJECTED && failure.lastFailure().filter(RoutedRelay::isModelNotServed).isPresent()) {
        unserved.remember(route, request.model());
      }
      outage |= failure.reason().parks();
      tried.add(route.name() + ": " + failure.getMessage());
      if (index + 1 < routes.size()) {
        route.listener().movedOn(routes.get(index + 1).name(), failure);
        tryRoute(index + 1, 0);
      } else if (outage) {
        // A route of this model is down and may come back: wait for it rather than answer. Attempts
        // charged on other routes are no reason to give up on it.
        result.completeExceptionally(withTotals(failure, Reason.CIRCUIT_OPEN, 0,
            "no route can take it now (" + String.join("; ", tried) + ")"));
      } else {
        result.completeExceptionally(withTotals(failure, failure.reason(), failure.charged(),
            failure.getMessage() + (tried.size() > 1 ? " (routes tried: " + String.join("; ", tried) + ")" : "")));
      }
    }

    private CallFailedException withTotals(CallFailedException last, Reason reason, int charged, String message) {
      return new CallFailedException(reason, attempts, charged, last.lastFailure().orElse(null), message);
    }
  }

  /** A request names a route or group that does not serve its model. */
  private static final class UnroutableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UnroutableException(String message) {
      super(message, null, false, false);
    }
  }
}
