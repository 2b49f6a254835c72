package dev.relayworker.streaming;

import dev.relayworker.protocol.StreamChunk;
import dev.relayworker.relay.StreamAssembler;
import dev.relayworker.resilience.ChunkStream;
import java.util.Map;
import java.util.TreeMap;

/**
 * One attempt's text, gathered into chunks: the first piece is written at once, later pieces wait
 * for the writer's linger after the previous chunk or until enough characters wait. When the
 * attempt's stream completes, what is left goes as the last chunk ({@code last: true}, possibly
 * with no text); when the attempt fails, what is left is dropped and no last chunk is written.
 *
 * <p>Threads: {@link #delta} and {@link #ended} on the transport's thread, {@link #flush} on the
 * writer's; state is guarded by this object's lock, held only to move text, never while writing.
 */
final class AttemptChunks implements ChunkStream.Attempt {

  private final ChunkWriter writer;
  private final ChunkDestination destination;
  private final String attempt;
  private TreeMap<Integer, StringBuilder> waiting = new TreeMap<>();
  private int waitingChars;
  private boolean flushScheduled;
  private boolean anyWritten;
  private long lastFlushNanos;
  private int nextIndex;
  /** No more chunks: the last one is scheduled, or the attempt failed. */
  private boolean closed;

  AttemptChunks(ChunkWriter writer, ChunkDestination destination, String attempt) {
    this.writer = writer;
    this.destination = destination;
    this.attempt = attempt;
  }

  @Override
  public void delta(StreamAssembler.Delta delta) {
    long delay;
    synchronized (this) {
      if (closed) {
        return;
      }
      waiting.computeIfAbsent(delta.index(), index -> new StringBuilder()).append(delta.text());
      waitingChars += delta.text().length();
      if (waitingChars >= writer.maxChars()) {
        delay = 0;
      } else if (flushScheduled) {
        return;
      } else {
        delay = anyWritten ? lastFlushNanos + writer.lingerNanos() - writer.now() : 0;
      }
      flushScheduled = true;
    }
    writer.schedule(() -> flush(false), delay);
  }

  @Override
  public void ended(boolean answered) {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      if (!answered) {
        waiting = new TreeMap<>();
        return;
      }
    }
    writer.schedule(() -> flush(true), 0);
  }

  /** Writes what waits: on the writer's thread, so chunks go in the order they are taken here. */
  void flush(boolean last) {
    StreamChunk chunk;
    synchronized (this) {
      flushScheduled = false;
      if (!last && (closed || waiting.isEmpty())) {
        return;
      }
      Map<Integer, String> texts = new TreeMap<>();
      waiting.forEach((index, text) -> texts.put(index, text.toString()));
      waiting = new TreeMap<>();
      waitingChars = 0;
      anyWritten = true;
      lastFlushNanos = writer.now();
      chunk = new StreamChunk(destination.requestId(), attempt, nextIndex++, last, texts);
    }
    writer.write(destination, chunk);
    if (last) {
      writer.listener().streamCompleted(chunk.index() + 1);
    }
  }
}
