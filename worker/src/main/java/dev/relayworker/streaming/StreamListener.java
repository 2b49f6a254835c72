package dev.relayworker.streaming;

import java.time.Duration;

/**
 * Counts what the {@link ChunkPublisher} does. Called on the {@code stream-chunks} thread and the
 * chunk producer's; must not block.
 */
public interface StreamListener {
  /** The first chunk of a request was acknowledged, {@code sinceStart} after it was sent on to the relay. */
  void firstChunk(Duration sinceStart);

  /** A chunk was acknowledged. */
  void chunkWritten();

  /** A chunk could not be written. */
  void chunkFailed();

  /** An attempt's stream completed in {@code chunks} chunk records. */
  void streamCompleted(int chunks);

  StreamListener NONE = new StreamListener() {
    @Override
    public void firstChunk(Duration sinceStart) {}

    @Override
    public void chunkWritten() {}

    @Override
    public void chunkFailed() {}

    @Override
    public void streamCompleted(int chunks) {}
  };
}
