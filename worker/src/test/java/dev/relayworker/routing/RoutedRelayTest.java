package dev.relayworker.routing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.cost.PriceTable;
import dev.relayworker.cost.Pricing;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.relay.RelayEndpoint;
import dev.relayworker.resilience.CallFailedException.Reason;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.KeyFailureMode;
import dev.relayworker.resilience.RelayAvailability;
import dev.relayworker.resilience.RelayCallListener;
import dev.relayworker.resilience.RelayCalls.Readiness;
import dev.relayworker.resilience.RelayPolicy;
import dev.relayworker.resilience.RelayRequest;
import dev.relayworker.resilience.ResilientRelay;
import dev.relayworker.resilience.ScopedBudgets;
import dev.relayworker.resilience.SpendBudget;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.Flavor;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import dev.relayworker.testkit.MutableClock;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Route choice and fallback over real HTTP: each route is a {@link ResilientRelay} of its own
 * against a relay simulator of its own (its key, group, models and faults).
 */
class RoutedRelayTest {

  private static final String MODEL = "gpt-3.5-turbo-instruct";
  private static final Clock CLOCK = Clock.systemUTC();

  private final List<RelaySimulator> simulators = new ArrayList<>();
  private final List<ResilientRelay> relays = new ArrayList<>();
  /** What the routes' listeners heard of the router's decisions, in order. */
  private final List<String> decisions = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void close() {
    relays.forEach(ResilientRelay::close);
    simulators.forEach(RelaySimulator::close);
  }

  @Test
  void aModelGoesToItsListedRoutesInOrderAndEveryOtherToTheDefaultList() {
    RelaySimulator cheap = simulator(SimulatorSettings.defaults().withModels(Set.of(MODEL, "gpt-4o")));
    RelaySimulator premium = simulator(SimulatorSettings.defaults().withModels(Set.of(MODEL, "gpt-4o")));
    RoutedRelay relay = relay(Map.of("gpt-4o", List.of("premium"), "*", List.of("cheap", "premium")),
        RouteTable.Strategy.ORDERED, route("cheap", cheap), route("premium", premium));

    CallResult fourO = complete(relay, request("gpt-4o", null));
    CallResult other = complete(relay, request(MODEL, null));

    assertThat(fourO.route()).isEqualTo("premium");
    assertThat(fourO.group()).isEqualTo("premium");
    assertThat(other.route()).isEqualTo("cheap");
    assertThat(cheap.stats().calls()).isEqualTo(1);
    assertThat(premium.stats().calls()).isEqualTo(1);
  }

  @Test
  void aRequestNamingARouteOrItsGroupGoesThereFirst() {
    RelaySimulator cheap = simulator(SimulatorSettings.defaults());
    RelaySimulator premium = simulator(SimulatorSettings.defaults());
    RoutedRelay relay = relay(Map.of(), RouteTable.Strategy.ORDERED, route("cheap", cheap),
        route("premium", "vip", premium, 1.5));

    assertThat(complete(relay, request(MODEL, "premium")).route()).isEqualTo("premium");
    assertThat(complete(relay, request(MODEL, "vip")).route()).isEqualTo("premium");
    assertThat(complete(relay, request(MODEL, null)).route()).isEqualTo("cheap");
  }

  @Test
  void aRequestNamingNoRouteOfItsModelIsRefusedUnsent() {
    RelaySimulator cheap = simulator(SimulatorSettings.defaults());
    RelaySimulator premium = simulator(SimulatorSettings.defaults());
    RoutedRelay relay = relay(Map.of("gpt-4o", List.of("premium")), RouteTable.Strategy.ORDERED,
        route("cheap", cheap), route("premium", premium));

    CallFailedException unknown = failure(relay, request(MODEL, "svip"));
    CallFailedException notForModel = failure(relay, request("gpt-4o", "cheap"));

    assertThat(unknown.reason()).isEqualTo(Reason.UNROUTABLE);
    assertThat(unknown.getMessage()).contains("'svip'").contains(MODEL).contains("cheap, premium");
    assertThat(notForModel.reason()).isEqualTo(Reason.UNROUTABLE);
    assertThat(cheap.stats().calls() + premium.stats().calls()).isZero();
  }

  static Stream<Arguments> routeLevelFailures() {
    SimulatorSettings base = SimulatorSettings.defaults();
    return Stream.of(
        Arguments.of("503 no channel for the model", base.withModels(Set.of("davinci-002")), KeyFailureMode.PAUSE),
        Arguments.of("403 model not allowed for the group", base.withGroup("cheap", Set.of(MODEL)),
            KeyFailureMode.PAUSE),
        Arguments.of("403 quota used up, key paused", base.withFlavor(Flavor.NEW_API).withQuota(0),
            KeyFailureMode.PAUSE),
        Arguments.of("403 quota used up, key failing fast", base.withFlavor(Flavor.ONE_API).withQuota(0),
            KeyFailureMode.FAIL),
        Arguments.of("401 key refused", base.withApiKey("sk-another-key"), KeyFailureMode.FAIL),
        Arguments.of("retries spent on 500s", base.withFault(Fault.SERVER_ERROR, 1.0), KeyFailureMode.PAUSE),
        Arguments.of("429 asking for a 30 s pause", base.withFault(Fault.RATE_LIMITED, 1.0)
            .withRetryAfter(Duration.ofSeconds(30)), KeyFailureMode.PAUSE),
        Arguments.of("retries spent on timeouts", base.withFault(Fault.HANG, 1.0), KeyFailureMode.PAUSE));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("routeLevelFailures")
  void aRouteLevelFailureMovesTheRequestToTheNextRoute(String failure, SimulatorSettings first, KeyFailureMode keys) {
    RelaySimulator cheap = simulator(first);
    RelaySimulator premium = simulator(SimulatorSettings.defaults());
    RelayPolicy policy = quickPolicy().keyFailureMode(keys).build();
    RoutedRelay relay = relay(Map.of(), RouteTable.Strategy.ORDERED, route("cheap", cheap, policy),
        route("premium", premium, policy));

    CallResult result = complete(relay, request(MODEL, null));

    assertThat(result.route()).isEqualTo("premium");
    assertThat(result.attempts()).as("the failed attempts on cheap count too").isGreaterThan(1);
    assertThat(premium.stats().calls()).isEqualTo(1);
    assertThat(cheap.stats().calls()).isPositive();
    assertThat(decisions).as("the fall-over is told to the route's listener").containsExactly(
        "cheap moved on to premium");
  }

  @Test
  void routesWithAnOpenCircuitOrAPauseAreSkippedWithoutACall() {
    RelaySimulator broken = simulator(SimulatorSettings.defaults().withFault(Fault.SERVER_ERROR, 1.0));
    RelaySimulator throttling = simulator(SimulatorSettings.defaults().withFault(Fault.RATE_LIMITED, 1.0)
        .withRetryAfter(Duration.ofSeconds(30)));
    RelaySimulator working = simulator(SimulatorSettings.defaults());
    RelayPolicy opensAtOnce = quickPolicy().circuitMinimumCalls(2).circuitFailureRatePercent(50)
        .circuitOpenDuration(Duration.ofMinutes(1)).build();
    RoutedRelay relay = relay(Map.of(), RouteTable.Strategy.ORDERED, route("broken", broken, opensAtOnce),
        route("throttling", throttling), route("working", working));

    assertThat(complete(relay, request(MODEL, null)).route()).isEqualTo("working");
    long brokenCalls = broken.stats().calls();
    long throttlingCalls = throttling.stats().calls();
    for (int i = 0; i < 3; i++) {
      assertThat(complete(relay, request(MODEL, null)).route()).isEqualTo("working");
    }

    assertThat(brokenCalls).as("two failed attempts opened its circuit").isEqualTo(2);
    assertThat(throttlingCalls).as("one 429, then no wait for it").isEqualTo(1);
    assertThat(broken.stats().calls()).isEqualTo(brokenCalls);
    assertThat(throttling.stats().calls()).isEqualTo(throttlingCalls);
    assertThat(decisions).as("each skip is told to the skipped route's listener").contains(
        "broken skipped: UNAVAILABLE", "throttling skipped: UNAVAILABLE");
    assertThat(relay.availability().state()).as("one route takes calls").isEqualTo(RelayAvailability.State.AVAILABLE);
  }

  @Test
  void aRequestOverARoutesTokenBudgetGoesToARouteWithRoomForIt() {
    RelaySimulator small = simulator(SimulatorSettings.defaults());
    RelaySimulator big = simulator(SimulatorSettings.defaults());
    RoutedRelay relay = relay(Map.of(), RouteTable.Strategy.ORDERED,
        route("small", small, quickPolicy().tokensPerMinute(1_000).build()),
        route("big", big, quickPolicy().tokensPerMinute(1_000_000).build()));

    assertThat(complete(relay, request(MODEL, null, 2_000)).route()).isEqualTo("big");
    assertThat(complete(relay, request(MODEL, "small", 2_000)).route())
        .as("a named route that could not send it within a minute yields too").isEqualTo("big");
    assertThat(complete(relay, request(MODEL, null, 100)).route()).isEqualTo("small");
    assertThat(small.stats().calls()).isEqualTo(1);

    relay.share(0.05);
    assertThat(complete(relay, request(MODEL, null, 100)).route())
        .as("at a twentieth of its key, small has 50 tokens a minute").isEqualTo("big");
    assertThat(small.stats().calls()).isEqualTo(1);
  }

  @Test
  void aRequestLevelFailureIsAnsweredWithoutTryingAnotherRoute() {
    RelaySimulator cheap = simulator(SimulatorSettings.defaults());
    RelaySimulator premium = simulator(SimulatorSettings.defaults());
    RoutedRelay relay = relay(Map.of(), RouteTable.Strategy.ORDERED, route("cheap", cheap), route("premium", premium));
    byte[] noPrompt = ("{\"model\":\"" + MODEL + "\",\"max_tokens\":5}").getBytes(StandardCharsets.UTF_8);

    CallFailedException failure = failure(relay, new RelayRequest(RelayApi.COMPLETIONS, noPrompt,
        Instant.now().plusSeconds(30), MODEL, 0, null));

    assertThat(failure.reason()).isEqualTo(Reason.REJECTED);
    assertThat(failure.lastFailure().orElseThrow().httpStatus()).isEqualTo(400);
    assertThat(premium.stats().calls()).as("another group will not fix a bad request").isZero();
  }

  @Test
  void aRouteThatDoesNotServeAModelIsSkippedForItUntilTheRecheckIsDue() {
    RelaySimulator cheap = simulator(SimulatorSettings.defaults().withModels(Set.of("davinci-002")));
    RelaySimulator premium = simulator(SimulatorSettings.defaults());
    MutableClock clock = new MutableClock(Instant.parse("2026-12-02T08:00:00Z"));
    RoutedRelay relay = new RoutedRelay(new RouteTable(List.of(route("cheap", cheap), route("premium", premium)),
        Map.of(), RouteTable.Strategy.ORDERED), Duration.ofMinutes(10), clock);

    for (int i = 0; i < 3; i++) {
      assertThat(complete(relay, request(MODEL, null)).route()).isEqualTo("premium");
    }
    assertThat(cheap.stats().calls()).as("asked once, then remembered").isEqualTo(1);
    assertThat(complete(relay, request("davinci-002", null)).route()).as("other models still go there")
        .isEqualTo("cheap");

    clock.advance(Duration.ofMinutes(10));
    complete(relay, request(MODEL, null));
    assertThat(cheap.stats().calls()).as("tried again once the recheck is due").isEqualTo(3);
  }

  @Test
  void cheapestFirstOrdersAModelsRoutesByTheirGroupsPrice() {
    RelaySimulator listedFirst = simulator(SimulatorSettings.defaults());
    RelaySimulator cheaper = simulator(SimulatorSettings.defaults());
    RelaySimulator middle = simulator(SimulatorSettings.defaults());
    RoutedRelay relay = relay(Map.of(), RouteTable.Strategy.CHEAPEST, route("svip", "svip", listedFirst, 2.0),
        route("default", "default", cheaper, 0.5), route("vip", "vip", middle, 1.0));

    CallResult result = complete(relay, request(MODEL, null));

    assertThat(result.route()).isEqualTo("default");
    assertThat(result.cost().group()).isEqualTo("default");
    assertThat(relay.routes()).extracting(RelayRoute::name).containsExactly("svip", "default", "vip");
  }

  @Test
  void whenEveryRouteIsDownTheRequestParksAndAvailabilityIsTheBestRoutes() {
    RelaySimulator cheap = simulator(SimulatorSettings.defaults().withFlavor(Flavor.NEW_API).withQuota(0));
    RelaySimulator premium = simulator(SimulatorSettings.defaults().withFlavor(Flavor.NEW_API).withQuota(0));
    RelayPolicy policy = quickPolicy().keyProbeInterval(Duration.ofMinutes(5)).build();
    RoutedRelay relay = relay(Map.of(), RouteTable.Strategy.ORDERED, route("cheap", cheap, policy),
        route("premium", premium, policy));
    assertThat(relay.availability().state()).isEqualTo(RelayAvailability.State.AVAILABLE);

    CallFailedException failure = failure(relay, request(MODEL, null));

    assertThat(failure.reason().parks()).isTrue();
    assertThat(failure.getMessage()).contains("cheap").contains("premium");
    assertThat(relay.availability().state()).isEqualTo(RelayAvailability.State.UNAVAILABLE);
    assertThat(relay.availability().hold()).isNotNull();
    premium.quota().add(1_000_000);
    assertThat(failure(relay, request(MODEL, null)).reason().parks()).as("held keys are not asked again").isTrue();
    assertThat(premium.stats().calls()).isEqualTo(1);
  }

  @Test
  void aSingleRouteBehavesAsItsOwnRelay() {
    RelaySimulator only = simulator(SimulatorSettings.defaults().withModels(Set.of("davinci-002")));
    RoutedRelay relay = relay(Map.of(), RouteTable.Strategy.ORDERED, route("default", only));

    CallFailedException failure = failure(relay, request(MODEL, null));

    assertThat(failure.reason()).isEqualTo(Reason.REJECTED);
    assertThat(failure.lastFailure().orElseThrow().httpStatus()).isEqualTo(503);
    assertThat(complete(relay, request("davinci-002", null)).route()).isEqualTo("default");
  }

  private RelaySimulator simulator(SimulatorSettings settings) {
    RelaySimulator simulator = RelaySimulator.start(settings, 0);
    simulators.add(simulator);
    return simulator;
  }

  private static RelayPolicy.Builder quickPolicy() {
    return RelayPolicy.custom().maxAttempts(2).initialBackoff(Duration.ofMillis(5)).maxBackoff(Duration.ofMillis(10))
        .requestTimeout(Duration.ofMillis(500));
  }

  private RelayRoute route(String name, RelaySimulator simulator) {
    return route(name, simulator, quickPolicy().build());
  }

  private RelayRoute route(String name, RelaySimulator simulator, RelayPolicy policy) {
    return route(name, name, simulator, policy, -1);
  }

  @Test
  void aParkedRequestOfACallerOverItsCapIsNotSentAgainWhileAnotherCallersIs() {
    RelaySimulator only = simulator(SimulatorSettings.defaults());
    RelayRoute route = route("default", only);
    ScopedBudgets scoped = ScopedBudgets.of(Map.of("svc-a", 0.001), Map.of(), Map.of(), Map.of(), CLOCK);
    scoped.all().stream().filter(budget -> budget.scope().equals("caller:svc-a")).findFirst().orElseThrow()
        .spent(500);
    RoutedRelay relay = new RoutedRelay(new RouteTable(List.of(route), Map.of(), RouteTable.Strategy.ORDERED),
        CallerRoutes.all(), Duration.ofMinutes(10), scoped, CLOCK);

    RelayAvailability svcA = relay.availabilityFor(MODEL, null, "svc-a");
    RelayAvailability svcB = relay.availabilityFor(MODEL, null, "svc-b");

    assertThat(svcA.state()).isEqualTo(RelayAvailability.State.UNAVAILABLE);
    assertThat(svcA.hold().reason()).contains("caller:svc-a").contains("per hour");
    assertThat(svcB.state()).isEqualTo(RelayAvailability.State.AVAILABLE);
    assertThat(relay.availability().state()).as("the worker keeps consuming").isEqualTo(RelayAvailability.State.AVAILABLE);
  }

  private RelayRoute route(String name, String group, RelaySimulator simulator, double groupRatio) {
    return route(name, group, simulator, quickPolicy().build(), groupRatio);
  }

  /** @param groupRatio the group's price ratio, or -1 to leave the group unpriced (ratio 1, not in the table) */
  private RelayRoute route(String name, String group, RelaySimulator simulator, RelayPolicy policy, double groupRatio) {
    PriceTable table = PriceTable.defaults().withGroupRatio(group, groupRatio < 0 ? 1 : groupRatio);
    Pricing pricing = new Pricing(table, group);
    RelayCallListener listener = new RelayCallListener() {
      @Override
      public void skipped(String model, Readiness why) {
        decisions.add(name + " skipped: " + why);
      }

      @Override
      public void movedOn(String nextRoute, CallFailedException failure) {
        decisions.add(name + " moved on to " + nextRoute);
      }
    };
    ResilientRelay relay = new ResilientRelay(name, RelayEndpoint.of(simulator.baseUri().toString(),
        SimulatorSettings.DEFAULT_KEY).open(new ObjectMapper(), CLOCK), policy, pricing, SpendBudget.none(CLOCK), CLOCK,
        listener);
    relays.add(relay);
    return new RelayRoute(name, group, relay, pricing, listener);
  }

  private static RoutedRelay relay(Map<String, List<String>> models, RouteTable.Strategy strategy,
      RelayRoute... routes) {
    return new RoutedRelay(new RouteTable(List.of(routes), models, strategy), Duration.ofMinutes(10), CLOCK);
  }

  private static RelayRequest request(String model, String group) {
    return request(model, group, 0);
  }

  private static RelayRequest request(String model, String group, long tokenEstimate) {
    byte[] body = ("{\"model\":\"" + model + "\",\"prompt\":\"Say hi\",\"max_tokens\":5}").getBytes(StandardCharsets.UTF_8);
    return new RelayRequest(RelayApi.COMPLETIONS, body, Instant.now().plusSeconds(30), model, tokenEstimate, group);
  }

  private static CallResult complete(RoutedRelay relay, RelayRequest request) {
    return relay.complete(request, 0).join();
  }

  private static CallFailedException failure(RoutedRelay relay, RelayRequest request) {
    try {
      CallResult result = relay.complete(request, 0).join();
      throw new AssertionError("expected a failure, got an answer from " + result.route());
    } catch (CompletionException e) {
      return (CallFailedException) e.getCause();
    }
  }
}
