package dev.relayworker.resilience;

import dev.relayworker.relay.StreamSink;

/**
 * Where a streamed request's text goes, attempt by attempt ({@link RelayRequest#stream()}). Each
 * attempt sent to the relay gets an {@link Attempt} of its own, so that a reader can tell the text
 * of an attempt that broke from the text of the one that answered.
 *
 * <p>Threads: {@link #attempt()} is called where the attempt is sent, the attempt's methods on the
 * transport's thread; none may block.
 */
public interface ChunkStream {

  /** Called once for each attempt, just before it is sent. */
  Attempt attempt();

  /** One attempt's text: {@link #delta} as it arrives, then {@link #ended} once. */
  interface Attempt extends StreamSink {

    /**
     * The attempt is over: {@code answered} when its stream completed and its answer was taken;
     * false when it broke, timed out or was refused (its text is then a preview that no answer
     * follows).
     */
    void ended(boolean answered);
  }
}
