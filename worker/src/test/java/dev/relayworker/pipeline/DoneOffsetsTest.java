package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class DoneOffsetsTest {

  @Test
  void decodesWhatItEncodedGapsIncluded() {
    SortedSet<Long> done = new TreeSet<>(List.of(1_001L, 1_002L, 1_050L, 3_999L));

    String metadata = DoneOffsets.encode(1_000, done);

    assertThat(metadata).startsWith("rw1:");
    assertThat(DoneOffsets.decode(1_000, metadata)).contains(done);
  }

  @Test
  void nothingDoneAboveMeansEmptyMetadata() {
    assertThat(DoneOffsets.encode(5, new TreeSet<>(List.of(3L, 4L)))).isEmpty();
  }

  @Test
  void ignoresMetadataThatIsNotOurs() {
    assertThat(DoneOffsets.decode(0, "")).isEmpty();
    assertThat(DoneOffsets.decode(0, null)).isEmpty();
    assertThat(DoneOffsets.decode(0, "{\"parallel-consumer\":1}")).isEmpty();
    assertThat(DoneOffsets.decode(0, "rw1:***not base64***")).isEmpty();
  }

  @Test
  void theWidestRangeThatFitsStaysWithinTheLimit() {
    long capacity = DoneOffsets.capacity(4096);
    SortedSet<Long> done = new TreeSet<>(List.of(1L, capacity));

    assertThat(capacity).isGreaterThan(24_000);
    assertThat(DoneOffsets.encode(0, done).length()).isLessThanOrEqualTo(4096);
  }
}
