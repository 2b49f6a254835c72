package dev.relayworker.tools.demo;

import dev.relayworker.config.WorkerConfig;
import dev.relayworker.simulator.Fault;
import dev.relayworker.simulator.RelaySimulator;
import dev.relayworker.simulator.SimulatorSettings;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The demo's relay: two simulators as two routes of the worker, as a team holding keys of two
 * groups would have them. {@code cheap} (group ratio 0.5) is tried first and holds quota for
 * about {@value #CHEAP_SHARE_PERCENT}% of the demo's requests, so its key runs out part-way and
 * {@code premium} (group vip, ratio 1.5) takes over. Both answer with the same latency and 2% 429s
 * and 500s, and charge quota by the relays' formula at their group's ratio.
 */
public final class DemoRelays implements AutoCloseable {

  private static final int CHEAP_SHARE_PERCENT = 40;
  /** The jar's price table prices the demo's model at ratio 0.75 and completions at 4/3: the simulators charge alike. */
  private static final double MODEL_RATIO = 0.75;
  private static final double COMPLETION_RATIO = 4.0 / 3;
  private static final double CHEAP_RATIO = 0.5;
  private static final double PREMIUM_RATIO = 1.5;
  /** About what one demo answer costs at ratio 1: some 15 prompt and up to 24 completion tokens. */
  private static final long QUOTA_PER_ANSWER = 35;

  private final RelaySimulator cheap;
  private final RelaySimulator premium;
  private final long cheapQuota;

  private DemoRelays(RelaySimulator cheap, RelaySimulator premium, long cheapQuota) {
    this.cheap = cheap;
    this.premium = premium;
    this.cheapQuota = cheapQuota;
  }

  public static DemoRelays start(int requests, Duration latency, Duration spread) {
    long cheapQuota = (long) (requests * CHEAP_SHARE_PERCENT / 100.0 * QUOTA_PER_ANSWER * CHEAP_RATIO);
    RelaySimulator cheap = RelaySimulator.start(simulator("sk-demo-cheap", "cheap", CHEAP_RATIO, latency, spread)
        .withQuota(cheapQuota), 0);
    try {
      return new DemoRelays(cheap, RelaySimulator.start(simulator("sk-demo-premium", "vip", PREMIUM_RATIO, latency,
          spread), 0), cheapQuota);
    } catch (RuntimeException e) {
      cheap.close();
      throw e;
    }
  }

  private static SimulatorSettings simulator(String key, String group, double groupRatio, Duration latency,
      Duration spread) {
    return SimulatorSettings.defaults().withApiKey(key).withGroup(group, Set.of())
        .withLatency(latency, spread)
        .withFault(Fault.RATE_LIMITED, 0.02).withFault(Fault.SERVER_ERROR, 0.02)
        .withRetryAfter(Duration.ofMillis(200))
        .withPrices(MODEL_RATIO, COMPLETION_RATIO, groupRatio);
  }

  /** The worker's route settings for the two simulators. */
  public Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put(WorkerConfig.ROUTES, "cheap,premium");
    settings.put("route.cheap.base.url", cheap.baseUri().toString());
    settings.put("route.cheap.api.key", cheap.settings().apiKey());
    settings.put("route.cheap.group.ratio", CHEAP_RATIO);
    settings.put("route.premium.base.url", premium.baseUri().toString());
    settings.put("route.premium.api.key", premium.settings().apiKey());
    settings.put("route.premium.group", "vip");
    settings.put("route.premium.group.ratio", PREMIUM_RATIO);
    return settings;
  }

  /** One line per route, in the order they are tried. */
  public List<String> describe() {
    return List.of(
        String.format("cheap   %s  group cheap, ratio %.1f, quota %,d (runs out part-way)", cheap.baseUri(),
            CHEAP_RATIO, cheapQuota),
        String.format("premium %s  group vip, ratio %.1f, unlimited", premium.baseUri(), PREMIUM_RATIO));
  }

  /** One line per simulator: the calls it saw, by status. */
  public List<String> calls() {
    return List.of(
        "relay calls on cheap: " + cheap.stats().calls() + " (by status " + cheap.stats().byOutcome() + ")",
        "relay calls on premium: " + premium.stats().calls() + " (by status " + premium.stats().byOutcome() + ")");
  }

  @Override
  public void close() {
    cheap.close();
    premium.close();
  }
}
