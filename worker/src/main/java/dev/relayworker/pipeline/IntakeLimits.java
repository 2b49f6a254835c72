package dev.relayworker.pipeline;

/**
 * How many requests the worker takes in, sized so the relay's concurrency slots stay full.
 *
 * <p>A slot that frees is handed at once, on the relay's thread, to a request already waiting for
 * one; so the slots stay full as long as some requests wait. Intake therefore pauses only at
 * {@link #maxInFlight} (slots plus a queue of waiting requests) and resumes at
 * {@link #resumeBelow}, while a queue of at least two polls' worth still waits: the next poll
 * arrives long before the queue runs dry. With the cap at the slot count instead, each pause
 * would leave slots empty until the next poll (about 5% of them on average, measured).
 *
 * <p>Requests are also bounded by the bytes they hold ({@link #maxInFlightBytes}: their records,
 * then their answers, until they are done), so a run of large records cannot fill the heap however
 * few they are. A record larger than the whole cap is still taken (the poll brought it) and
 * handled alone.
 *
 * @param maxInFlight unanswered requests at which every partition pauses
 * @param resumeBelow unanswered requests below which paused partitions resume
 * @param maxPollRecords records one poll may return ({@code max.poll.records})
 * @param maxInFlightBytes bytes held by requests not yet done at which every partition pauses;
 *     they resume below three quarters of it
 */
record IntakeLimits(int maxInFlight, int resumeBelow, int maxPollRecords, long maxInFlightBytes) {

  /** A poll never brings more than this many records, however large the caps. */
  static final int MOST_RECORDS_PER_POLL = 500;

  /**
   * The limits for a relay with {@code relaySlots} concurrency slots, bytes capped at a quarter of
   * the heap.
   *
   * @param configuredMaxInFlight {@code worker.max.in.flight}, or 0 for the slots plus three polls' worth
   */
  static IntakeLimits forRelay(int relaySlots, int configuredMaxInFlight) {
    return forRelay(relaySlots, configuredMaxInFlight, 0);
  }

  /**
   * The limits for a relay with {@code relaySlots} concurrency slots.
   *
   * @param configuredMaxInFlight {@code worker.max.in.flight}, or 0 for the slots plus three polls' worth
   * @param configuredMaxBytes {@code worker.max.in.flight.bytes}, or 0 for a quarter of the heap
   */
  static IntakeLimits forRelay(int relaySlots, int configuredMaxInFlight, long configuredMaxBytes) {
    int auto = relaySlots + 3 * pollSize(relaySlots);
    int maxInFlight = configuredMaxInFlight > 0 ? configuredMaxInFlight : auto;
    int poll = pollSize(Math.min(relaySlots, maxInFlight));
    long maxBytes = configuredMaxBytes > 0 ? configuredMaxBytes : Runtime.getRuntime().maxMemory() / 4;
    return new IntakeLimits(maxInFlight, Math.max(1, maxInFlight - poll), poll, maxBytes);
  }

  /** Whether requests holding {@code heldBytes} keep intake paused, {@code paused} already or not. */
  boolean bytesFull(long heldBytes, boolean paused) {
    return heldBytes >= maxInFlightBytes || (paused && heldBytes >= maxInFlightBytes - maxInFlightBytes / 4);
  }

  /** Whether {@code relaySlots} can all be busy under these limits, with requests waiting for them. */
  boolean keepsSlotsFull(int relaySlots) {
    return resumeBelow > relaySlots;
  }

  /** A quarter of the slots: big enough that a poll refills a real share of them, at most 500. */
  private static int pollSize(int slots) {
    return Math.max(1, Math.min(MOST_RECORDS_PER_POLL, slots / 4));
  }
}
