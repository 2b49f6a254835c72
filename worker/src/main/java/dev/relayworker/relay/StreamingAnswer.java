package dev.relayworker.relay;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One streamed answer read as its bytes arrive: events ({@link SseReader}) assembled
 * ({@link StreamAssembler}) and each piece of text handed to the {@link StreamSink}. The transport
 * keeps counting and bounding the bytes as for any answer; at the end it reads
 * {@link #answer(byte[])} in place of the body. Not thread-safe: one per attempt, fed in order on the
 * transport's thread.
 */
final class StreamingAnswer {

  private final SseReader events;
  private final StreamAssembler assembler;
  private final StreamSink sink;
  private boolean anyEvent;

  StreamingAnswer(RelayApi api, ObjectMapper mapper, int maxEventBytes, StreamSink sink) {
    this.events = new SseReader(maxEventBytes);
    this.assembler = new StreamAssembler(api, mapper);
    this.sink = sink;
  }

  /**
   * Takes the next bytes of the body.
   *
   * @throws RelayException transient when the stream says it broke or sends what is not an event;
   *     final when the sink could not take a piece (named by its class only)
   */
  void accept(byte[] bytes, int offset, int length) {
    for (SseReader.Event event : events.feed(bytes, offset, length)) {
      anyEvent = true;
      for (StreamAssembler.Delta delta : assembler.accept(event)) {
        try {
          sink.delta(delta);
        } catch (RuntimeException e) {
          throw RelayException.transport(FailureKind.FINAL, "relay stream could not be passed on: "
              + e.getClass().getSimpleName());
        }
      }
    }
  }

  /**
   * The whole answer the stream told, as a non-stream request gets it; or {@code body} itself when
   * it held no event at all (a relay that answered whole though asked for a stream).
   *
   * @param body the answer's bytes as received
   * @throws RelayException transient when the stream ended without its last event ({@code [DONE]},
   *     {@code message_stop}): a relay that closed a broken stream cleanly must not pass for a
   *     complete answer
   */
  byte[] answer(byte[] body) {
    if (!anyEvent) {
      return body;
    }
    if (!assembler.done()) {
      throw RelayException.transport(FailureKind.TRANSIENT, "relay stream ended before its last event");
    }
    return assembler.answer();
  }
}
