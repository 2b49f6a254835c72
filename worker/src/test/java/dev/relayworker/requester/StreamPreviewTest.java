package dev.relayworker.requester;

import static org.assertj.core.api.Assertions.assertThat;

import dev.relayworker.requester.StreamPreview.Step;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The reader's rule for chunk records, chunk by chunk. */
class StreamPreviewTest {

  private final StreamPreview preview = new StreamPreview();

  @Test
  void followsOneAttemptAndStartsOverWhenANewAttemptBeginsIgnoringTheOneLeftBehind() {
    assertThat(preview.accept(chunk("a", 0, false, "Hel"))).isEqualTo(Step.ADDED);
    assertThat(preview.accept(chunk("a", 1, false, "lo"))).isEqualTo(Step.ADDED);
    assertThat(preview.text(0)).isEqualTo("Hello");
    assertThat(preview.accept(chunk("b", 0, false, "Hi"))).isEqualTo(Step.RESTARTED);
    assertThat(preview.added()).isEqualTo("Hi");
    // A late chunk of the attempt left behind (a zombie worker's, say) changes nothing.
    assertThat(preview.accept(chunk("a", 2, false, " there"))).isEqualTo(Step.IGNORED);
    assertThat(preview.accept(chunk("b", 1, true, "!"))).isEqualTo(Step.ADDED);
    assertThat(preview.text(0)).isEqualTo("Hi!");
    assertThat(preview.complete()).isTrue();
  }

  @Test
  void aGapStopsThePreviewAndAnAttemptSeenMidWayIsNotFollowed() {
    assertThat(preview.accept(chunk("a", 1, false, "mid"))).isEqualTo(Step.IGNORED);
    assertThat(preview.accept(chunk("b", 0, false, "x"))).isEqualTo(Step.ADDED);
    assertThat(preview.accept(chunk("b", 2, true, "z"))).isEqualTo(Step.IGNORED);
    assertThat(preview.complete()).isFalse();
    assertThat(preview.text(0)).isEqualTo("x");
    assertThat(preview.accept("not json".getBytes(StandardCharsets.UTF_8))).isEqualTo(Step.IGNORED);
  }

  private static byte[] chunk(String attempt, int index, boolean last, String text) {
    return ("{\"object\":\"relay.stream.chunk\",\"request_id\":\"r\",\"attempt\":\"" + attempt + "\",\"index\":" + index
        + ",\"last\":" + last + ",\"choices\":[{\"index\":0,\"text\":\"" + text + "\"}]}")
        .getBytes(StandardCharsets.UTF_8);
  }
}
