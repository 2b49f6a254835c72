package dev.relayworker.streaming;

import dev.relayworker.resilience.ChunkStream;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The chunk stream of one request: a fresh attempt ID for each relay attempt (random, so an
 * attempt of a worker that restarted never shares one with an attempt made before). Thread-safe.
 */
final class RequestStream implements ChunkStream {

  private final ChunkWriter writer;
  private final ChunkDestination destination;

  RequestStream(ChunkWriter writer, ChunkDestination destination) {
    this.writer = writer;
    this.destination = destination;
  }

  @Override
  public Attempt attempt() {
    return new AttemptChunks(writer, destination, HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()));
  }
}
