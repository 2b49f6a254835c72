package dev.relayworker.embeddings;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.RelayRequest;
import dev.relayworker.testkit.MutableClock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class EmbeddingBatcherTest {

  private static final Instant START = Instant.parse("2026-12-04T00:00:00Z");
  private static final Duration LINGER = Duration.ofMillis(10);
  private static final Instant FAR = START.plusSeconds(600);

  private final MutableClock clock = new MutableClock(START);
  private final ManualTimer timer = new ManualTimer();
  private final ScriptedEmbeddings relay = new ScriptedEmbeddings();
  private final ObjectMapper json = new ObjectMapper();
  private final List<String> events = new ArrayList<>();
  private final EmbeddingBatcher.Listener listener = new EmbeddingBatcher.Listener() {
    @Override
    public void sent(int requests, int inputs) {
      events.add("sent " + requests + "/" + inputs);
    }

    @Override
    public void split(int requests) {
      events.add("split " + requests);
    }
  };

  @Test
  void requestsWithTheSameOptionsShareOneCallAndEachGetsItsOwnVectorsAndShare() throws Exception {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 100_000, LINGER));
    CompletableFuture<CallResult> a = batcher.complete(request("\"alpha\"", null, FAR), 0);
    CompletableFuture<CallResult> b = batcher.complete(request("[\"be\",\"gamma!\"]", null, FAR), 0);
    CompletableFuture<CallResult> c = batcher.complete(request("\"d\"", null, FAR), 0);
    assertThat(relay.calls).isEmpty();

    timer.advance(LINGER);

    assertThat(relay.inputsOfCalls()).containsExactly(List.of("alpha", "be", "gamma!", "d"));
    assertThat(events).containsExactly("sent 3/4");
    JsonNode second = body(b.join());
    assertThat(second.path("object").asText()).isEqualTo("list");
    assertThat(second.path("data")).hasSize(2);
    // Each vector is [length of its input, its place in the call]: b's own, re-indexed from 0.
    assertThat(second.at("/data/0/index").asInt()).isEqualTo(0);
    assertThat(second.at("/data/0/embedding/0").asInt()).isEqualTo(2);
    assertThat(second.at("/data/0/embedding/1").asInt()).isEqualTo(1);
    assertThat(second.at("/data/1/index").asInt()).isEqualTo(1);
    assertThat(second.at("/data/1/embedding/0").asInt()).isEqualTo(6);
    assertThat(body(c.join()).at("/data/0/embedding/1").asInt()).isEqualTo(3);
    // The relay counted 18 tokens (characters + 1 per input); the worker's counts weigh the split.
    List<CallResult> results = List.of(a.join(), b.join(), c.join());
    assertThat(results.stream().mapToLong(result -> result.cost().promptTokens()).sum()).isEqualTo(18);
    assertThat(results.stream().mapToLong(result -> result.cost().quota()).sum()).isEqualTo(18);
    assertThat(results.stream().mapToLong(CallResult::spentQuota).sum()).isEqualTo(18);
    assertThat(results.stream().mapToLong(result -> result.scopedSpend().get("caller:a")).sum()).isEqualTo(18);
    assertThat(results).allSatisfy(result -> {
      JsonNode usage = body(result).path("usage");
      assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(result.cost().promptTokens())
          .isEqualTo(result.completion().usage().orElseThrow().promptTokens());
      assertThat(usage.path("total_tokens").asLong()).isEqualTo(result.cost().promptTokens());
      assertThat(result.cost().usd()).isEqualByComparingTo(
          BigDecimal.valueOf(2 * result.cost().quota()).movePointLeft(6));
      assertThat(result.attempts()).isEqualTo(1);
      assertThat(result.route()).isEqualTo("main");
    });
  }

  @Test
  void differentOptionsCallersOrGroupsNeverShareACall() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 100_000, LINGER));
    batcher.complete(request("\"a\"", null, FAR), 0);
    batcher.complete(request("\"b\"", null, FAR, 16, null, null), 0);
    batcher.complete(request("\"c\"", null, FAR, 0, "other", null), 0);
    batcher.complete(request("\"d\"", null, FAR, 0, null, "vip"), 0);
    batcher.complete(request("\"e\"", null, FAR), 0);

    timer.advance(LINGER);

    assertThat(relay.inputsOfCalls()).containsExactlyInAnyOrder(List.of("a", "e"), List.of("b"), List.of("c"),
        List.of("d"));
  }

  @Test
  void aFullBatchGoesAtOnceAndWhatDoesNotFitStartsTheNext() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(4, 100_000, LINGER));
    batcher.complete(request("[\"a\",\"b\",\"c\"]", null, FAR), 0);
    batcher.complete(request("[\"d\",\"e\"]", null, FAR), 0); // Does not fit: the first batch goes.
    batcher.complete(request("[\"f\",\"g\"]", null, FAR), 0); // Fills the second: it goes.
    CompletableFuture<CallResult> big = batcher.complete(request("[\"1\",\"2\",\"3\",\"4\",\"5\"]", null, FAR), 0);

    assertThat(relay.inputsOfCalls()).containsExactly(List.of("a", "b", "c"), List.of("d", "e", "f", "g"),
        List.of("1", "2", "3", "4", "5"));
    assertThat(body(big.join()).path("data")).hasSize(5); // Over the limit alone: sent whole, as it came.
    timer.advance(LINGER);
    assertThat(relay.calls).hasSize(3);
  }

  @Test
  void theTokenLimitClosesABatchToo() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 3, LINGER));
    batcher.complete(request("\"hello world\"", null, FAR), 0); // 2 tokens in cl100k
    batcher.complete(request("\"hello world\"", null, FAR), 0);

    assertThat(relay.calls).hasSize(1);
    timer.advance(LINGER);
    assertThat(relay.calls).hasSize(2);
  }

  @Test
  void aBadInputIsFoundByHalvingAndAloneGetsTheRefusal() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 100_000, LINGER));
    List<CompletableFuture<CallResult>> answers = new ArrayList<>();
    for (String input : List.of("a", "b", "BAD", "d", "e")) {
      answers.add(batcher.complete(request("\"" + input + "\"", null, FAR), 0));
    }

    timer.advance(LINGER);

    assertThat(relay.inputsOfCalls()).containsExactly(List.of("a", "b", "BAD", "d", "e"), List.of("a", "b"),
        List.of("BAD", "d", "e"), List.of("BAD"), List.of("d", "e"));
    assertThat(events).containsExactly("sent 5/5", "split 5", "sent 2/2", "sent 3/3", "split 3", "sent 1/1",
        "sent 2/2");
    assertThat(answers.get(2)).isCompletedExceptionally();
    CallFailedException refusal = failure(answers.get(2));
    assertThat(refusal.reason()).isEqualTo(CallFailedException.Reason.REJECTED);
    assertThat(refusal.lastFailure().orElseThrow().httpStatus()).isEqualTo(400);
    for (int i : new int[] {0, 1, 3, 4}) {
      // Answered by the call that carried it; the refused calls are not its attempts.
      assertThat(answers.get(i).join().attempts()).isEqualTo(1);
      assertThat(body(answers.get(i).join()).path("data")).hasSize(1);
    }
  }

  @Test
  void aRequestWaitsAtMostHalfTheTimeItsDeadlineLeavesIt() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 100_000, Duration.ofSeconds(5)));
    batcher.complete(request("\"patient\"", null, FAR), 0);
    CompletableFuture<CallResult> hurried = batcher.complete(request("\"hurried\"", null, START.plusMillis(100)), 0);

    timer.advance(Duration.ofMillis(49));
    assertThat(relay.calls).isEmpty();
    timer.advance(Duration.ofMillis(1));

    assertThat(relay.inputsOfCalls()).containsExactly(List.of("patient", "hurried"));
    // The soonest deadline bounds the whole call.
    assertThat(relay.calls.get(0).deadline()).isEqualTo(START.plusMillis(100));
    assertThat(hurried.join().completion()).isNotNull();
  }

  @Test
  void whileThePaceOfRequestsWouldHoldTheCallTheBatchKeepsGrowing() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 100_000, LINGER));
    relay.pace = Duration.ofMillis(200);
    batcher.complete(request("\"first\"", null, FAR), 0);
    timer.advance(LINGER);
    assertThat(relay.calls).isEmpty();
    batcher.complete(request("\"second\"", null, FAR), 0);
    relay.pace = Duration.ZERO;

    timer.advance(Duration.ofMillis(200));

    assertThat(relay.inputsOfCalls()).containsExactly(List.of("first", "second"));
  }

  @Test
  void thePaceNeverHoldsARequestPastHalfItsDeadline() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 100_000, LINGER));
    relay.pace = Duration.ofSeconds(30);
    batcher.complete(request("\"x\"", null, START.plusSeconds(2)), 0);

    timer.advance(Duration.ofSeconds(1));

    assertThat(relay.calls).hasSize(1);
  }

  @Test
  void aMemberWhoseDeadlinePassedWhileItWaitedIsAnsweredSoAloneTheOthersGo() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 100_000, LINGER));
    CompletableFuture<CallResult> late = batcher.complete(request("\"late\"", null, START.plusMillis(100)), 0);
    CompletableFuture<CallResult> onTime = batcher.complete(request("\"on time\"", null, FAR), 0);
    clock.advance(Duration.ofMillis(150)); // The timer thread was held up: the first is past its deadline.

    timer.advance(Duration.ZERO);

    assertThat(failure(late).reason()).isEqualTo(CallFailedException.Reason.DEADLINE_EXCEEDED);
    assertThat(relay.inputsOfCalls()).containsExactly(List.of("on time"));
    assertThat(onTime.join().completion()).isNotNull();
  }

  @Test
  void aBatchOverTheTokenBudgetPerMinuteIsHalvedBeforeItGoes() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 100_000, LINGER));
    relay.tokenBudget = 25;
    for (String input : List.of("a", "b", "c", "d")) {
      batcher.complete(new RelayRequest(RelayApi.EMBEDDINGS, ("{\"input\":\"" + input
          + "\",\"model\":\"text-embedding-3-small\"}").getBytes(StandardCharsets.UTF_8), FAR,
          "text-embedding-3-small", 10), 0);
    }

    timer.advance(LINGER);

    assertThat(relay.inputsOfCalls()).containsExactly(List.of("a", "b"), List.of("c", "d"));
    assertThat(relay.calls).allSatisfy(call -> assertThat(call.tokenEstimate()).isEqualTo(20));
  }

  @Test
  void otherRequestsAndBatchingOffPassStraightThrough() {
    EmbeddingBatcher off = batcher(new BatchLimits(1, 100_000, LINGER));
    RelayRequest alone = request("[\"a\",\"b\"]", null, FAR);
    off.complete(alone, 2);
    assertThat(relay.calls).containsExactly(alone);

    EmbeddingBatcher on = batcher(new BatchLimits(256, 100_000, LINGER));
    RelayRequest chat = new RelayRequest(RelayApi.CHAT_COMPLETIONS, "{}".getBytes(StandardCharsets.UTF_8), FAR, "m", 0);
    CompletableFuture<CallResult> passed = on.complete(chat, 0);
    assertThat(relay.calls).containsExactly(alone, chat);
    assertThat(passed).isDone();
  }

  @Test
  void anAnswerWithoutAVectorForEveryInputFailsEveryMember() {
    EmbeddingBatcher batcher = batcher(new BatchLimits(256, 100_000, LINGER));
    CompletableFuture<CallResult> a = batcher.complete(request("\"a\"", null, FAR), 0);
    CompletableFuture<CallResult> b = batcher.complete(request("\"b\"", null, FAR), 0);
    relay.dropNext = 1;

    timer.advance(LINGER);

    assertThat(failure(a).reason()).isEqualTo(CallFailedException.Reason.RETRIES_EXHAUSTED);
    assertThat(failure(b).getMessage()).isEqualTo("the relay answered 1 embeddings for 2 inputs");
  }

  private EmbeddingBatcher batcher(BatchLimits limits) {
    return new EmbeddingBatcher(relay, limits, clock, timer, listener);
  }

  private static RelayRequest request(String input, String unused, Instant deadline) {
    return request(input, unused, deadline, 0, null, null);
  }

  private static RelayRequest request(String input, String unused, Instant deadline, int dimensions, String caller,
      String group) {
    String body = "{\"input\":" + input + ",\"model\":\"text-embedding-3-small\""
        + (dimensions > 0 ? ",\"dimensions\":" + dimensions : "") + "}";
    return new RelayRequest(RelayApi.EMBEDDINGS, body.getBytes(StandardCharsets.UTF_8), deadline,
        "text-embedding-3-small", 0, group, false, 1_000_000, caller);
  }

  private JsonNode body(CallResult result) {
    try {
      return json.readTree(result.completion().body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static CallFailedException failure(CompletableFuture<CallResult> answer) {
    try {
      answer.join();
      throw new AssertionError("answered");
    } catch (CompletionException e) {
      return (CallFailedException) e.getCause();
    }
  }

  /** Runs scheduled tasks when the test moves the clock past their time. */
  private final class ManualTimer implements EmbeddingBatcher.Timer {
    private record Task(Instant due, long order, Runnable work) {}

    private final List<Task> tasks = new ArrayList<>();
    private long scheduled;

    @Override
    public void schedule(Runnable task, Duration delay) {
      tasks.add(new Task(clock.instant().plus(delay), scheduled++, task));
    }

    void advance(Duration step) {
      Instant until = clock.instant().plus(step);
      while (true) {
        Task next = tasks.stream().filter(task -> !task.due().isAfter(until))
            .min(Comparator.comparing(Task::due).thenComparingLong(Task::order)).orElse(null);
        if (next == null) {
          break;
        }
        tasks.remove(next);
        if (next.due().isAfter(clock.instant())) {
          clock.advance(Duration.between(clock.instant(), next.due()));
        }
        next.work().run();
      }
      clock.advance(Duration.between(clock.instant(), until));
    }
  }
}
