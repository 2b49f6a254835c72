package dev.relayworker.pipeline;

import dev.relayworker.relay.Completion;
import dev.relayworker.resilience.CallFailedException;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.RelayAvailability;
import dev.relayworker.resilience.RelayCalls;
import dev.relayworker.resilience.RelayRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A relay the test answers by hand, for the loops' unit tests. Calls are numbered in the order the
 * loop made them; the futures complete on the test thread, which is the poll thread there.
 */
final class ScriptedRelay implements RelayCalls {

  final List<CompletableFuture<CallResult>> calls = new ArrayList<>();
  RelayAvailability availability = availability(RelayAvailability.State.AVAILABLE);

  static RelayAvailability availability(RelayAvailability.State state) {
    return new RelayAvailability(state, null, state == RelayAvailability.State.UNAVAILABLE ? "OPEN"
        : state == RelayAvailability.State.PROBING ? "HALF_OPEN" : "CLOSED");
  }

  @Override
  public CompletableFuture<CallResult> complete(RelayRequest request, int chargedBefore) {
    CompletableFuture<CallResult> call = new CompletableFuture<>();
    calls.add(call);
    return call;
  }

  @Override
  public RelayAvailability availability() {
    return availability;
  }

  /** Answers calls {@code from} to {@code to} (inclusive) with a completion. */
  void answer(int from, int to) {
    for (int i = from; i <= to; i++) {
      byte[] body = "{\"object\":\"text_completion\",\"choices\":[{\"text\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8);
      calls.get(i).complete(new CallResult(new Completion(body, null, "gpt-3.5-turbo-instruct", 200, null), 1));
    }
  }

  /** Ends calls {@code from} to {@code to} as the open circuit does: not sent. */
  void refuseWhileOpen(int from, int to) {
    for (int i = from; i <= to; i++) {
      calls.get(i).completeExceptionally(new CallFailedException(CallFailedException.Reason.CIRCUIT_OPEN, 0, 0,
          null, "relay circuit is open; call not sent"));
    }
  }
}
