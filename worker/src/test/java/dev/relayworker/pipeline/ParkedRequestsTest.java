package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.protocol.CompletionRequest;
import dev.relayworker.protocol.ReplyAddress;
import dev.relayworker.relay.RelayApi;
import dev.relayworker.resilience.RelayAvailability.State;
import dev.relayworker.resilience.RelayAvailability;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Requests held while the relay is down: none go while it is, one probe at a time while it is tried, all once it is back. */
class ParkedRequestsTest {

  private static final ReplyAddress ROUTE = ReplyAddress.defaultTopic("replies", Map.of());

  private final PartitionLedger ledger = new PartitionLedger(new TopicPartition("requests", 0), 4096);
  private final ParkedRequests parked = new ParkedRequests();

  @Test
  void nothingGoesWhileTheRelayIsUnavailable() {
    park(3);

    assertThat(parked.takeSendable(relay(State.UNAVAILABLE))).isEmpty();
    assertThat(parked.size()).isEqualTo(3);
  }

  @Test
  void oneProbeAtATimeWhileTheRelayIsTriedThenAllAtOnce() {
    List<PendingRequest> requests = park(3);

    List<PendingRequest> probe = parked.takeSendable(relay(State.PROBING));
    assertThat(probe).containsExactly(requests.get(0));
    assertThat(parked.takeSendable(relay(State.PROBING))).as("the probe has not come back").isEmpty();

    parked.callFinished(probe.get(0));
    assertThat(parked.takeSendable(relay(State.PROBING))).containsExactly(requests.get(1));
    assertThat(parked.takeSendable(relay(State.AVAILABLE))).containsExactly(requests.get(2));
    assertThat(parked.size()).isZero();
  }

  @Test
  void aRequestLeavesWhenItsDeadlinePassesAndReleasedOnesAreDropped() {
    Instant deadline = Instant.parse("2026-12-01T00:05:00Z");
    PendingRequest early = Requests.taken(ledger, 0, ROUTE, deadline);
    PendingRequest late = Requests.taken(ledger, 1, ROUTE, deadline.plusSeconds(60));
    parked.park(early, deadline);
    parked.park(late, deadline);

    assertThat(parked.takeExpired(deadline.minusMillis(1))).isEmpty();
    assertThat(parked.takeExpired(deadline)).containsExactly(early);
    ledger.release();
    parked.forgetReleased();

    assertThat(parked.size()).isZero();
  }

  private List<PendingRequest> park(int count) {
    List<PendingRequest> requests = new java.util.ArrayList<>();
    for (int offset = 0; offset < count; offset++) {
      PendingRequest pending = Requests.taken(ledger, offset, ROUTE);
      parked.park(pending, Instant.EPOCH);
      requests.add(pending);
    }
    return requests;
  }

  @Test
  void requestsOfAModelWhoseRoutesAreDownStayWhileOthersGo() {
    PendingRequest cheap = parkFor(0, "gpt-4o-mini");
    PendingRequest premium = parkFor(1, "gpt-4o");
    PendingRequest cheapAgain = parkFor(2, "gpt-4o-mini");
    List<String> asked = new java.util.ArrayList<>();

    List<PendingRequest> sent = parked.takeSendable(pending -> {
      asked.add(pending.request.model());
      return availability("gpt-4o".equals(pending.request.model()) ? State.UNAVAILABLE : State.AVAILABLE);
    });

    assertThat(sent).containsExactly(cheap, cheapAgain);
    assertThat(parked.size()).isEqualTo(1);
    assertThat(parked.takeSendable(pending -> availability(State.AVAILABLE))).containsExactly(premium);
    assertThat(asked).as("each model is asked about once a round").containsExactly("gpt-4o-mini", "gpt-4o");
  }

  private PendingRequest parkFor(long offset, String model) {
    PendingRequest taken = Requests.taken(ledger, offset, ROUTE);
    CompletionRequest request = taken.request;
    PendingRequest pending = new PendingRequest(taken.record, ledger, taken.requestId, taken.replyKey, ROUTE,
        new CompletionRequest(request.requestId(), request.replyKey(), request.body(), request.deadline(), ROUTE,
            model, 0, RelayApi.COMPLETIONS, null, 2_000_000));
    parked.park(pending, Instant.EPOCH);
    return pending;
  }

  private static Function<PendingRequest, RelayAvailability> relay(State state) {
    RelayAvailability availability = availability(state);
    return pending -> availability;
  }

  private static RelayAvailability availability(State state) {
    return new RelayAvailability(state, null, state.name());
  }
}
