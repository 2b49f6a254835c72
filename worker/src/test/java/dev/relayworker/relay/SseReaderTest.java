package dev.relayworker.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SseReaderTest {

  @Test
  void readsEventsWhateverPiecesTheBytesComeIn() {
    byte[] stream = ("data: {\"a\":\"é\"}\n\n: keep-alive\n\nevent: message_delta\r\ndata: {\"b\":1}\r\n\r\n"
        + "data: first\rdata: second\r\r" + "id: 7\nretry: 10\ndata\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8);
    List<SseReader.Event> expected = List.of(new SseReader.Event("message", "{\"a\":\"é\"}"),
        new SseReader.Event("message_delta", "{\"b\":1}"), new SseReader.Event("message", "first\nsecond"),
        new SseReader.Event("message", ""), new SseReader.Event("message", "[DONE]"));
    SplittableRandom random = new SplittableRandom(3);
    for (int round = 0; round < 200; round++) {
      SseReader reader = new SseReader(1_000);
      List<SseReader.Event> events = new ArrayList<>();
      for (int at = 0; at < stream.length; ) {
        int piece = Math.min(stream.length - at, 1 + random.nextInt(7)); // splits CR LF and UTF-8 sequences too
        events.addAll(reader.feed(stream, at, piece));
        at += piece;
      }
      assertThat(events).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void anEventOverTheLimitFailsTheStream() {
    SseReader reader = new SseReader(16);
    reader.feed("data: short\n\n".getBytes(StandardCharsets.UTF_8));

    assertThatThrownBy(() -> reader.feed(("data: " + "x".repeat(20)).getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(RelayException.class).hasMessage("relay stream event over 16 bytes");
  }
}
