package dev.relayworker.routing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which routes said they do not serve which model (503 no channel, 403 model not allowed for the
 * group), so requests for it skip them until {@code recheck} has passed and one is tried again:
 * a relay's channels and groups change while workers run.
 *
 * <p>Thread-safe; never blocks. Holds at most {@value #MAX_ENTRIES} entries: model names come from
 * requests, and forgetting early only costs one more refused call.
 */
final class UnservedModels {

  private static final int MAX_ENTRIES = 10_000;

  private final Map<RouteModel, Instant> until = new ConcurrentHashMap<>();
  private final Duration recheck;
  private final Clock clock;

  UnservedModels(Duration recheck, Clock clock) {
    this.recheck = recheck;
    this.clock = clock;
  }

  /** {@code route} said it does not serve {@code model}. */
  void remember(RelayRoute route, String model) {
    Instant now = clock.instant();
    if (until.size() >= MAX_ENTRIES) {
      until.values().removeIf(time -> !now.isBefore(time));
      if (until.size() >= MAX_ENTRIES) {
        until.clear();
      }
    }
    until.put(new RouteModel(route.name(), model == null ? "" : model), now.plus(recheck));
  }

  /** Whether {@code route} may serve {@code model}: it never said otherwise, or said so long enough ago. */
  boolean mayServe(RelayRoute route, String model) {
    if (until.isEmpty()) {
      return true;
    }
    RouteModel key = new RouteModel(route.name(), model == null ? "" : model);
    Instant time = until.get(key);
    if (time == null) {
      return true;
    }
    if (!clock.instant().isBefore(time)) {
      until.remove(key, time);
      return true;
    }
    return false;
  }

  private record RouteModel(String route, String model) {}
}
