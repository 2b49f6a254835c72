package dev.relayworker.embeddings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.relayworker.cost.TokenEstimator;
import dev.relayworker.protocol.EmbeddingInput;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.relay.RelayException;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallFailedException.Reason;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.RelayAvailability;
import dev.relayworker.resilience.RelayCalls;
import dev.relayworker.resilience.RelayRequest;
import dev.relayworker.resilience.SpendRecord;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The relay's calls with embeddings requests micro-batched: requests that may share a call
 * ({@link EmbeddingBatch.Key}) wait together up to {@code embeddings.batch.linger.ms} and go as
 * one call of at most {@code embeddings.batch.max.inputs} inputs and
 * {@code embeddings.batch.max.tokens} tokens; each is answered with its own vectors and its share
 * of the usage ({@link BatchAnswer}). Every other request, and every call the pipeline asks of the
 * relay besides {@link #complete}, passes straight through, so intake, back-pressure, parking and
 * deadlines still work per request: a batch's failure is each member's failure.
 *
 * <p>When a batch is due: a full batch goes at once; a batch whose linger ended goes unless the
 * key's pace of requests per minute would hold it anyway ({@link RelayCalls#pacingWait}), in
 * which case it keeps filling until the pace lets a call out; no member ever waits past half the
 * time its deadline left it when it joined. So under a request limit batches grow to what the
 * limit requires, and without one a lone request waits the linger at most.
 *
 * <p>A member whose deadline passes while its batch waits is answered so alone; a batch whose
 * token estimate is more than the key's token budget per minute allows ({@link
 * Readiness#OVER_TOKEN_BUDGET}) is halved before it is sent.
 *
 * <p>A batch the relay refuses as a bad request (400, 413, 422: one input over the model's
 * context, say) is split in halves, each sent at once, until the refused request stands alone and
 * alone gets the refusal; the refused calls are not charged to the others' attempts. A request
 * with a bad input among n requests costs at most about 2 log2(n) extra calls; a refusal every
 * input would get (an option the model does not take) costs up to 2n - 1 calls, none of them
 * paid in tokens.
 *
 * <p>Threads: {@link #complete} from any thread, never blocking; batches are sent on the caller's
 * thread or the linger timer's, and answered on the relay's. Open batches are guarded by this
 * object's lock, which is never held while the relay is called.
 */
public final class EmbeddingBatcher implements RelayCalls {

  /** HTTP statuses that refuse a request for what it holds: another split may pass. */
  private static final Set<Integer> SPLIT_ON = Set.of(400, 413, 422);

  /** Schedules a task after a delay; the worker's runs it on a timer thread, tests by hand. */
  public interface Timer {
    void schedule(Runnable task, Duration delay);
  }

  /** Told of every batch sent and split; called on the thread that sends or splits. */
  public interface Listener {
    /** A call went to the relay for {@code requests} requests with {@code inputs} inputs in all. */
    void sent(int requests, int inputs);

    /** A batch of {@code requests} requests was refused as a bad request and split in halves. */
    void split(int requests);

    Listener NONE = new Listener() {
      @Override
      public void sent(int requests, int inputs) {}

      @Override
      public void split(int requests) {}
    };
  }

  private final RelayCalls relay;
  private final BatchLimits limits;
  private final Clock clock;
  private final Timer timer;
  private final Listener listener;
  private final TokenEstimator tokens = new TokenEstimator();
  private final ObjectMapper mapper = new ObjectMapper();
  private final Map<EmbeddingBatch.Key, EmbeddingBatch> open = new HashMap<>();

  /**
   * @param relay where calls go
   * @param clock the worker's steady clock, which request deadlines are on
   */
  public EmbeddingBatcher(RelayCalls relay, BatchLimits limits, Clock clock, Timer timer, Listener listener) {
    this.relay = relay;
    this.limits = limits;
    this.clock = clock;
    this.timer = timer;
    this.listener = listener;
  }

  @Override
  public CompletableFuture<CallResult> complete(RelayRequest request, int chargedBefore) {
    if (request.api() != RelayApi.EMBEDDINGS || limits.off()) {
      return relay.complete(request, chargedBefore);
    }
    if (!request.deadline().isAfter(clock.instant())) {
      return relay.complete(request, chargedBefore); // Too late to wait for anyone: the relay path says so.
    }
    EmbeddingInput input;
    try {
      input = EmbeddingInput.of((ObjectNode) mapper.readTree(request.body()));
    } catch (IOException | RuntimeException e) {
      return relay.complete(request, chargedBefore); // Not a body the parser passed: the relay says what is wrong.
    }
    Instant now = clock.instant();
    Duration half = Duration.between(now, request.deadline()).dividedBy(2);
    Instant latest = now.plus(half.isNegative() ? Duration.ZERO : half);
    Instant lingered = now.plus(limits.linger());
    BatchMember member = new BatchMember(request, input, count(request.model(), input), chargedBefore,
        lingered.isBefore(latest) ? lingered : latest, latest, new CompletableFuture<>());
    EmbeddingBatch.Key key = new EmbeddingBatch.Key(request.group(), request.caller(), input.tokenIds(),
        input.options().toString());
    List<EmbeddingBatch> due = new ArrayList<>(2);
    EmbeddingBatch waiting = null;
    synchronized (this) {
      EmbeddingBatch batch = open.get(key);
      if (batch != null && !batch.fits(member, limits)) {
        due.add(open.remove(key));
        batch = null;
      }
      if (batch == null) {
        batch = new EmbeddingBatch(key, List.of(member));
        open.put(key, batch);
      } else {
        batch.add(member);
      }
      if (batch.full(limits) || !member.sendBy().isAfter(now)) {
        due.add(open.remove(key));
      } else if (batch.sendBy().equals(member.sendBy())) {
        waiting = batch; // It must go sooner than it was due (or it is new): a timer for the new time.
      }
    }
    due.forEach(this::send);
    if (waiting != null) {
      EmbeddingBatch scheduled = waiting;
      timer.schedule(() -> due(scheduled), Duration.between(now, member.sendBy()));
    }
    return member.answer();
  }

  /**
   * A timer fired for {@code batch}: sent if still open and due, held on while the pace of
   * requests would hold its call anyway (within its members' deadlines).
   */
  private void due(EmbeddingBatch batch) {
    Instant now = clock.instant();
    BatchMember first = batch.members().get(0);
    Duration pace = relay.pacingWait(first.request().model(), batch.key().group(), batch.key().caller());
    synchronized (this) {
      if (open.get(batch.key()) != batch) {
        return; // Sent already: full, or by an earlier timer.
      }
      Instant sendBy = batch.sendBy();
      if (now.isBefore(sendBy)) {
        timer.schedule(() -> due(batch), Duration.between(now, sendBy)); // The timer ran early.
        return;
      }
      Instant latest = batch.latest();
      if (!pace.isZero() && !pace.isNegative() && now.isBefore(latest) && !batch.full(limits)) {
        Instant paced = now.plus(pace);
        timer.schedule(() -> due(batch), Duration.between(now, paced.isBefore(latest) ? paced : latest));
        return;
      }
      open.remove(batch.key());
    }
    send(batch);
  }

  /**
   * Sends a batch: its members whose deadline passed while it waited are answered so, alone (one
   * late member must not end the call for the others); a batch whose token estimate is more than
   * the key's budget per minute allows is halved first.
   */
  private void send(EmbeddingBatch batch) {
    Instant now = clock.instant();
    if (batch.members().size() > 1 && batch.members().stream().anyMatch(member -> late(member, now))) {
      List<BatchMember> onTime = new ArrayList<>();
      for (BatchMember member : batch.members()) {
        if (late(member, now)) {
          member.answer().completeExceptionally(new CallFailedException(Reason.DEADLINE_EXCEEDED, 0, 0, null,
              "deadline passed while the request waited for its embeddings batch"));
        } else {
          onTime.add(member);
        }
      }
      if (!onTime.isEmpty()) {
        send(new EmbeddingBatch(batch.key(), onTime));
      }
      return;
    }
    RelayRequest request;
    try {
      request = batch.request(mapper);
    } catch (RuntimeException e) {
      batch.members().forEach(member -> member.answer().completeExceptionally(e));
      return;
    }
    if (batch.members().size() > 1 && request.tokenEstimate() > 0
        && relay.readiness(request.model(), request.tokenEstimate()) == Readiness.OVER_TOKEN_BUDGET) {
      batch.halves().forEach(this::send);
      return;
    }
    listener.sent(batch.members().size(), batch.inputs());
    relay.complete(request, batch.chargedBefore()).whenComplete((result, failure) -> {
      if (failure == null) {
        answer(batch, result);
      } else {
        failed(batch, failure instanceof CompletionException && failure.getCause() != null ? failure.getCause()
            : failure);
      }
    });
  }

  private void answer(EmbeddingBatch batch, CallResult result) {
    if (batch.members().size() == 1) {
      // Sent as it came: the relay's answer is the member's own.
      batch.members().get(0).answer().complete(result);
      return;
    }
    List<CallResult> parts;
    try {
      parts = BatchAnswer.split(result, batch.members(), mapper);
    } catch (BatchAnswer.Mismatch e) {
      CallFailedException failure = new CallFailedException(Reason.RETRIES_EXHAUSTED, result.attempts(),
          result.attempts(), null, e.getMessage());
      batch.members().forEach(member -> member.answer().completeExceptionally(failure));
      return;
    }
    for (int i = 0; i < parts.size(); i++) {
      batch.members().get(i).answer().complete(parts.get(i));
    }
  }

  private void failed(EmbeddingBatch batch, Throwable failure) {
    if (batch.members().size() > 1 && refusedForContent(failure)) {
      listener.split(batch.members().size());
      batch.halves().forEach(this::send);
      return;
    }
    batch.members().forEach(member -> member.answer().completeExceptionally(failure));
  }

  private static boolean late(BatchMember member, Instant now) {
    return !member.request().deadline().isAfter(now);
  }

  /** Tokens in the model's encoding for strings, one per id for token ids. */
  private long count(String model, EmbeddingInput input) {
    long count = 0;
    for (JsonNode item : input.items()) {
      count += item.isTextual() ? tokens.countInput(model, item) : item.size();
    }
    return count;
  }

  private static boolean refusedForContent(Throwable failure) {
    return failure instanceof CallFailedException callFailed && callFailed.reason() == Reason.REJECTED
        && callFailed.lastFailure().map(RelayException::httpStatus).filter(SPLIT_ON::contains).isPresent();
  }

  // Everything else is the relay's.

  @Override
  public RelayAvailability availability() {
    return relay.availability();
  }

  @Override
  public RelayAvailability availability(String model) {
    return relay.availability(model);
  }

  @Override
  public RelayAvailability availabilityFor(String model, String group) {
    return relay.availabilityFor(model, group);
  }

  @Override
  public RelayAvailability availabilityFor(String model, String group, String caller) {
    return relay.availabilityFor(model, group, caller);
  }

  @Override
  public Readiness readiness(String model, long tokenEstimate) {
    return relay.readiness(model, tokenEstimate);
  }

  @Override
  public Duration pacingWait(String model, String group, String caller) {
    return relay.pacingWait(model, group, caller);
  }

  @Override
  public void share(double fraction) {
    relay.share(fraction);
  }

  @Override
  public void rebase(double fraction, SpendRecord record) {
    relay.rebase(fraction, record);
  }
}
