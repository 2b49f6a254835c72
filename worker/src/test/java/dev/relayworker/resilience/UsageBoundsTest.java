package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.cost.Pricing;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.relay.RelayEndpoint;
import dev.relayworker.relay.Usage;
import dev.relayworker.testkit.RawRelay;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A relay's usage numbers, believed only within bounds: an answer claiming 10^12 tokens, or a
 * negative count, is priced as corrected, reported to the listener, and leaves the token budget as
 * the call's estimate booked it, so the calls after it are paced as before.
 */
class UsageBoundsTest {

  private static final long CEILING = 50_000;
  private final List<Usage> corrected = new CopyOnWriteArrayList<>();
  private RawRelay relay;
  private ResilientRelay calls;

  @AfterEach
  void stop() {
    if (calls != null) {
      calls.close();
      relay.close();
    }
  }

  @Test
  void anAbsurdClaimIsPricedAtTheCeilingAndStallsNothing() {
    start(List.of("1000000000000", "12"), List.of("3", "2"));

    CallResult absurd = call("first");
    CallResult next = call("second");

    assertThat(absurd.cost().promptTokens()).isEqualTo(CEILING);
    assertThat(absurd.cost().completionTokens()).isEqualTo(12);
    assertThat(absurd.cost().priced()).isTrue();
    assertThat(next.cost().promptTokens()).isEqualTo(3);
    assertThat(corrected).containsExactly(new Usage(1_000_000_000_000L, 12, 1_000_000_000_012L));
  }

  @Test
  void aNegativeCountIsZeroSoTheCallIsStillPricedAndNothingIsHandedBack() {
    start(List.of("-1000000", "-5"), List.of("-1000000", "-5"));

    CallResult negative = call("first");
    CallResult next = call("second");

    assertThat(negative.cost().promptTokens()).isZero();
    assertThat(negative.cost().completionTokens()).isZero();
    assertThat(negative.cost().priced()).isTrue();
    assertThat(negative.cost().quota()).isZero();
    assertThat(next.cost().promptTokens()).isZero();
    assertThat(corrected).hasSize(2);
  }

  @Test
  void withinIsBoundedOnBothSidesAndSumsTheTotal() {
    assertThat(new Usage(-3, 7, 99).within(10)).isEqualTo(new Usage(0, 7, 7));
    assertThat(new Usage(11, Long.MAX_VALUE, -1).within(10)).isEqualTo(new Usage(10, 10, 20));
    assertThat(new Usage(3, 4, 0).outside(10)).isFalse();
    assertThat(new Usage(3, 11, 14).outside(10)).isTrue();
  }

  @Test
  void cachedAndReasoningTokensStayWithinThePromptAndTheCompletionTheyArePartOf() {
    assertThat(new Usage(100, 50, 150, 80, 30).within(1_000)).isEqualTo(new Usage(100, 50, 150, 80, 30));
    assertThat(new Usage(100, 50, 150, 80, 30).outside(1_000)).isFalse();
    // More cached tokens than the prompt had (new-api #5003's mix of conventions), negative reasoning.
    assertThat(new Usage(100, 50, 150, 250, -4).within(1_000)).isEqualTo(new Usage(100, 50, 150, 100, 0));
    assertThat(new Usage(100, 50, 150, 250, 0).outside(1_000)).isTrue();
    assertThat(new Usage(100, 50, 150, 0, -4).outside(1_000)).isTrue();
    assertThat(new Usage(100, 50, 150, 0, 51).outside(1_000)).isTrue();
    // A prompt cut to the ceiling takes its cached tokens down with it.
    assertThat(new Usage(5_000, 0, 5_000, 4_000, 0).within(1_000)).isEqualTo(new Usage(1_000, 0, 1_000, 1_000, 0));
  }

  /**
   * A relay whose first answer claims the usage {@code first} names (prompt and completion tokens),
   * and whose later ones claim {@code later}.
   */
  private void start(List<String> first, List<String> later) {
    relay = RawRelay.start(exchange -> {
      List<String> usage = exchange.overall == 0 ? first : later;
      String json = "{\"id\":\"cmpl-" + exchange.overall + "\",\"object\":\"text_completion\",\"model\":\"davinci-002\","
          + "\"choices\":[{\"text\":\"hi\",\"index\":0,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
          + usage.get(0) + ",\"completion_tokens\":" + usage.get(1) + "}}";
      exchange.write(RawRelay.response(200, "OK", json));
    });
    // 6,000 tokens a minute, 100 per call: a call every second, and none if one answer booked 10^12 tokens.
    RelayPolicy policy = RelayPolicy.custom().tokensPerMinute(6_000).maxAttempts(1).build();
    calls = new ResilientRelay("relay", RelayEndpoint.of(relay.baseUri().toString(), "sk-usage")
        .open(new ObjectMapper(), Clock.systemUTC()), policy, Pricing.defaults(), SpendBudget.none(Clock.systemUTC()),
        Clock.systemUTC(), new RelayCallListener() {
          @Override
          public void usageCorrected(Usage reported, Usage used) {
            corrected.add(reported);
          }
        });
  }

  private CallResult call(String prompt) {
    byte[] body = ("{\"model\":\"davinci-002\",\"prompt\":\"" + prompt + "\"}").getBytes(StandardCharsets.UTF_8);
    return calls.complete(new RelayRequest(RelayApi.COMPLETIONS, body, Instant.now().plusSeconds(10), "davinci-002",
        100, null, false, CEILING), 0).join();
  }
}
