package dev.relayworker.pipeline;

import dev.relayworker.resilience.CallResult;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How relay and producer threads hand results back to the poll thread, which alone touches the
 * consumer and the ledgers. Posting wakes the poll thread out of {@code poll()} so a result is
 * handled at once, not at the end of the poll timeout.
 *
 * <p>Thread-safe: any thread may {@link #post}; only the poll thread takes.
 */
final class Mailbox {

  /** Something the poll thread must handle. */
  sealed interface Event {}

  /** A relay call ended: {@code result} or {@code failure} is set. */
  record RelayFinished(PendingRequest pending, CallResult result, Throwable failure) implements Event {}

  /** Work another thread hands to the poll thread (a broker's acknowledgement, say), run as it is taken. */
  record Task(Runnable work) implements Event {}

  private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final AtomicBoolean pollerWaiting = new AtomicBoolean();
  private final Runnable wakeUpPoller;

  Mailbox(Runnable wakeUpPoller) {
    this.wakeUpPoller = wakeUpPoller;
  }

  void post(Event event) {
    events.add(event);
    if (pollerWaiting.compareAndSet(true, false)) {
      wakeUpPoller.run();
    }
  }

  /** The poll thread is about to block in poll(); a post should wake it. */
  void pollerWaiting(boolean waiting) {
    pollerWaiting.set(waiting);
  }

  Event take() {
    return events.poll();
  }

  Event take(long timeoutMillis) throws InterruptedException {
    return events.poll(timeoutMillis, TimeUnit.MILLISECONDS);
  }

  boolean isEmpty() {
    return events.isEmpty();
  }
}
