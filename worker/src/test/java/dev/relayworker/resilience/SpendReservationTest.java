package dev.relayworker.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.cost.PriceTable;
import dev.relayworker.cost.Pricing;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.relay.RelayEndpoint;
import dev.relayworker.resilience.CallFailedException.Reason;
import dev.relayworker.testkit.Await;
import dev.relayworker.testkit.RawRelay;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Spend caps count a call before its answer: each attempt reserves its worst case (its token
 * estimate at the dearer rate), settled to the answer's cost, or kept when the answer has no
 * usage; a model the price table cannot price is not sent while a cap is set. Real HTTP to a relay
 * on raw sockets that answers when the test says.
 */
class SpendReservationTest {

  /** davinci-002 in the default table: model and completion ratio 1, so a token is a quota unit. */
  private static final String MODEL = "davinci-002";
  private static final long ESTIMATE = 100;
  private final CountDownLatch answer = new CountDownLatch(1);
  private RawRelay relay;
  private ResilientRelay calls;
  private SpendBudget budget;

  @AfterEach
  void stop() {
    answer.countDown();
    if (calls != null) {
      calls.close();
      relay.close();
    }
  }

  @Test
  void callsInFlightHoldTheCapSoItIsOvershotByOneWorstCaseAtMost() {
    start(250, true);

    List<CompletableFuture<CallResult>> sent = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sent.add(call(MODEL, "call " + i));
    }
    // 0, 100 and 200 reserved leave room under 250; at 300 reserved every other call is held.
    Await.until("three calls sent, seventeen held", Duration.ofSeconds(10), () -> relay.requests() == 3 && sent.stream().filter(this::held).count() == 17);
    answer.countDown();

    List<CallResult> answered = sent.stream().filter(call -> !held(call)).map(CompletableFuture::join).toList();
    assertThat(relay.requests()).isEqualTo(3);
    assertThat(answered).hasSize(3).allSatisfy(result -> assertThat(result.spentQuota()).isEqualTo(12));
    // Settled to what the answers cost (12 each), the reservations are given back.
    assertThat(budget.remaining(SpendBudget.Window.HOUR)).isEqualTo(250 - 36);
  }

  @Test
  void anAnswerWithoutUsageIsChargedItsWorstCase() {
    start(10_000, false);
    answer.countDown();

    CallResult result = call(MODEL, "no usage").join();

    assertThat(result.cost()).isNull();
    assertThat(result.spentQuota()).isEqualTo(ESTIMATE);
    assertThat(budget.remaining(SpendBudget.Window.HOUR)).isEqualTo(10_000 - ESTIMATE);
  }

  @Test
  void aModelThePriceTableCannotPriceIsNotSentUnderACap() {
    start(10_000, true);
    answer.countDown();

    CompletableFuture<CallResult> unpriced = call("model-nobody-priced", "hello");

    CallFailedException failure = failureOf(unpriced);
    assertThat(failure.reason()).isEqualTo(Reason.UNPRICED);
    assertThat(failure.attempts()).isZero();
    assertThat(failure.getMessage()).contains("model-nobody-priced").contains("price.table.file")
        .contains("\"*\"");
    assertThat(relay.requests()).isZero();
  }

  @Test
  void withoutACapAnUnpricedModelIsSentAsBefore() {
    start(0, true);
    answer.countDown();

    CallResult result = call("model-nobody-priced", "hello").join();

    assertThat(result.cost().priced()).isFalse();
    assertThat(relay.requests()).isEqualTo(1);
  }

  private boolean held(CompletableFuture<CallResult> call) {
    return call.isCompletedExceptionally() && failureOf(call).reason() == Reason.HELD;
  }

  /** A relay answering every call, once the test lets it, with 10 + 2 tokens of usage or none. */
  private void start(long hourCap, boolean usage) {
    relay = RawRelay.start(exchange -> {
      answer.await();
      String json = "{\"id\":\"cmpl-" + exchange.overall + "\",\"object\":\"text_completion\",\"model\":\"" + MODEL
          + "\",\"choices\":[{\"text\":\"hi\",\"index\":0,\"finish_reason\":\"stop\"}]"
          + (usage ? ",\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":2}}" : "}");
      exchange.write(RawRelay.response(200, "OK", json));
    });
    budget = new SpendBudget("relay", hourCap, 0, PriceTable.DEFAULT_QUOTA_PER_USD, Clock.systemUTC());
    RelayPolicy policy = RelayPolicy.custom().maxAttempts(1).maxConcurrentCalls(32).build();
    calls = new ResilientRelay("relay", RelayEndpoint.of(relay.baseUri().toString(), "sk-spend")
        .open(new ObjectMapper(), Clock.systemUTC()), policy, Pricing.defaults(), budget, Clock.systemUTC(),
        new RelayCallListener() {});
  }

  private CompletableFuture<CallResult> call(String model, String prompt) {
    byte[] body = ("{\"model\":\"" + model + "\",\"prompt\":\"" + prompt + "\"}").getBytes(StandardCharsets.UTF_8);
    return calls.complete(new RelayRequest(RelayApi.COMPLETIONS, body, Instant.now().plusSeconds(30), model,
        ESTIMATE), 0);
  }

  private static CallFailedException failureOf(CompletableFuture<CallResult> call) {
    try {
      call.join();
      throw new AssertionError("the call was answered");
    } catch (CompletionException e) {
      return (CallFailedException) e.getCause();
    }
  }
}
