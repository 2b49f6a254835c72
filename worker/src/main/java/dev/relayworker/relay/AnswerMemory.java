package dev.relayworker.relay;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes all relay answers being read may hold together. Each call has its own cap, but a
 * relay that answers every one of hundreds of concurrent calls with a large body could still
 * fill the heap; this shared budget turns that into failed calls instead of an OutOfMemoryError.
 *
 * <p>Thread-safe.
 */
final class AnswerMemory {

  private final long limit;
  private final AtomicLong used = new AtomicLong();

  AnswerMemory(long limit) {
    this.limit = limit;
  }

  /**
   * An eighth of the heap. A finished body is copied out of its chunks into one array, so at the
   * moment of copying it takes twice what it reserved: answers never hold more than a quarter.
   */
  static AnswerMemory eighthOfHeap() {
    return new AnswerMemory(Runtime.getRuntime().maxMemory() / 8);
  }

  /** Takes {@code bytes} from the budget, or nothing and false when they would overrun it. */
  boolean tryReserve(long bytes) {
    while (true) {
      long now = used.get();
      if (now + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  /** Why an answer was cut off when {@link #tryReserve} refused its bytes. Transient. */
  IOException exhausted() {
    return new IOException("relay answers being read already hold " + limit
        + " bytes, the share of the heap they may use; this one was cut off");
  }

  long limit() {
    return limit;
  }

  long used() {
    return used.get();
  }
}
