package dev.relayworker.pipeline;

import dev.relayworker.resilience.RelayAvailability;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Requests held back because the relay is down for them (every route of their model open-circuit,
 * held or paused). They are not answered: they go to the relay again once a route of their model
 * takes calls, one probe at a time while the best of them is half-open or probing its key, and
 * only a passed deadline answers them with an error. One parked too long, or on a partition whose
 * commit metadata is filling up, is {@linkplain #takeOverdue handed over} to be moved to the retry
 * topic, so that it does not hold its partition.
 *
 * <p>Confined to the poll thread; not thread-safe.
 */
final class ParkedRequests {

  private final ArrayDeque<PendingRequest> parked = new ArrayDeque<>();
  private int probesOutstanding;

  int size() {
    return parked.size();
  }

  /** Parks {@code pending}; its time parked counts from the first time, probes sent meanwhile included. */
  void park(PendingRequest pending, Instant now) {
    if (pending.parkedAt == null) {
      pending.parkedAt = now;
    }
    parked.add(pending);
  }

  /**
   * Removes and returns the parked requests to move out of their partitions: parked since
   * {@code longest} ago or more, or of a partition that {@code pressed} says must let them go.
   */
  List<PendingRequest> takeOverdue(Instant now, Duration longest, Predicate<PartitionLedger> pressed) {
    List<PendingRequest> overdue = new ArrayList<>();
    for (Iterator<PendingRequest> it = parked.iterator(); it.hasNext(); ) {
      PendingRequest pending = it.next();
      if (!pending.ledger.released()
          && (!now.isBefore(pending.parkedAt.plus(longest)) || pressed.test(pending.ledger))) {
        it.remove();
        overdue.add(pending);
      }
    }
    return overdue;
  }

  /** Takes {@code pending} out if it is parked. */
  void remove(PendingRequest pending) {
    parked.remove(pending);
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

  /**
   * Removes and returns what may go to the relay again: each request whose routes are available,
   * and one probe at a time of those whose routes are probing.
   *
   * @param availability whether the relay takes calls for a request's model now
   */
  List<PendingRequest> takeSendable(Function<PendingRequest, RelayAvailability> availability) {
    if (parked.isEmpty()) {
      return List.of();
    }
    List<PendingRequest> sendable = new ArrayList<>();
    // Parked requests are mostly of a few models and callers: ask about each once.
    Map<ModelGroup, RelayAvailability> known = new HashMap<>();
    for (Iterator<PendingRequest> it = parked.iterator(); it.hasNext(); ) {
      PendingRequest pending = it.next();
      RelayAvailability relay = known.computeIfAbsent(
          new ModelGroup(pending.request.model(), pending.request.relayGroup(), pending.request.caller()),
          key -> availability.apply(pending));
      if (relay.takesAllParked()) {
        it.remove();
        sendable.add(pending);
      } else if (relay.takesOneProbe() && probesOutstanding == 0) {
        it.remove();
        pending.probe = true;
        probesOutstanding++;
        sendable.add(pending);
      }
    }
    return sendable;
  }

  private record ModelGroup(String model, String group, String caller) {}

  void forgetReleased() {
    parked.removeIf(pending -> pending.ledger.released());
  }
}
