package dev.relayworker.pipeline;

import dev.relayworker.resilience.RelayAvailability;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Requests held back because the relay is down (circuit open, or retries spent while it looks
 * down). They are not answered: they go to the relay again once the circuit closes, one probe at
 * a time while it is half-open, and only a passed deadline answers them with an error.
 *
 * <p>Confined to the poll thread; not thread-safe.
 */
final class ParkedRequests {

  private final ArrayDeque<PendingRequest> parked = new ArrayDeque<>();
  private int probesOutstanding;

  int size() {
    return parked.size();
  }

  void park(PendingRequest pending) {
    parked.add(pending);
  }

  /** A relay call came back; if it was a probe, another may go. */
  void callFinished(PendingRequest pending) {
    if (pending.probe) {
      pending.probe = false;
      probesOutstanding--;
    }
  }

  /** Removes and returns the parked requests whose deadline has passed; drops released ones. */
  List<PendingRequest> takeExpired(Instant now) {
    List<PendingRequest> expired = new ArrayList<>();
    for (Iterator<PendingRequest> it = parked.iterator(); it.hasNext(); ) {
      PendingRequest pending = it.next();
      if (pending.ledger.released()) {
        it.remove();
      } else if (!now.isBefore(pending.request.deadline())) {
        it.remove();
        expired.add(pending);
      }
    }
    return expired;
  }

  /** Removes and returns what may go to the relay again: all once it is available, one probe while probing. */
  List<PendingRequest> takeSendable(RelayAvailability relay) {
    if (relay.takesAllParked()) {
      List<PendingRequest> all = new ArrayList<>(parked);
      parked.clear();
      return all;
    }
    if (relay.takesOneProbe() && probesOutstanding == 0 && !parked.isEmpty()) {
      PendingRequest probe = parked.poll();
      probe.probe = true;
      probesOutstanding++;
      return List.of(probe);
    }
    return List.of();
  }

  void forgetReleased() {
    parked.removeIf(pending -> pending.ledger.released());
  }
}
