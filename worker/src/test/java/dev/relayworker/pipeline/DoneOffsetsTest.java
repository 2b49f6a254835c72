package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Base64;
import org.junit.jupiter.api.Test;

class DoneOffsetsTest {

  @Test
  void decodesWhatItEncodedGapsIncluded() {
    OffsetRanges done = OffsetRanges.of(1_001, 1_002, 1_050, 3_999);

    String metadata = DoneOffsets.encode(1_000, done);

    assertThat(DoneOffsets.decode(1_000, metadata)).hasValueSatisfying(decoded ->
        assertThat(decoded.toList()).containsExactly(1_001L, 1_002L, 1_050L, 3_999L));
    assertThat(metadata.length()).isEqualTo(DoneOffsets.length(1_000, done));
  }

  @Test
  void writesTheBitsetWhereDoneAndUndoneAlternate() {
    OffsetRanges alternating = new OffsetRanges();
    for (long offset = 2; offset < 200; offset += 2) {
      alternating.add(offset);
    }

    String metadata = DoneOffsets.encode(0, alternating);

    assertThat(metadata).startsWith(DoneOffsets.BITSET);
    assertThat(DoneOffsets.decode(0, metadata)).hasValueSatisfying(decoded ->
        assertThat(decoded.toList()).isEqualTo(alternating.toList()));
  }

  @Test
  void aMillionDoneBehindOneStuckOffsetFitInAFewBytes() {
    OffsetRanges done = new OffsetRanges();
    done.addRange(1, 1_000_001);
    done.addRange(1_000_002, 2_000_000);

    String metadata = DoneOffsets.encode(0, done);

    assertThat(metadata).startsWith(DoneOffsets.RUNS).hasSizeLessThan(24);
    assertThat(DoneOffsets.decode(0, metadata)).hasValueSatisfying(decoded -> {
      assertThat(decoded.runCount()).isEqualTo(2);
      assertThat(decoded.contains(1_000_000)).isTrue();
      assertThat(decoded.contains(1_000_001)).isFalse();
      assertThat(decoded.last()).isEqualTo(1_999_999);
    });
  }

  @Test
  void nothingDoneAboveMeansEmptyMetadata() {
    assertThat(DoneOffsets.encode(5, OffsetRanges.of(3, 4))).isEmpty();
  }

  @Test
  void ignoresMetadataThatIsNotOursOrGarbled() {
    assertThat(DoneOffsets.decode(0, "")).isEmpty();
    assertThat(DoneOffsets.decode(0, null)).isEmpty();
    assertThat(DoneOffsets.decode(0, "{\"parallel-consumer\":1}")).isEmpty();
    assertThat(DoneOffsets.decode(0, "rw1:***not base64***")).isEmpty();
    assertThat(DoneOffsets.decode(0, "rw2:" + Base64.getUrlEncoder().encodeToString(new byte[] {1, 0})))
        .as("a run of nothing").isEmpty();
    assertThat(DoneOffsets.decode(0, "rw2:" + Base64.getUrlEncoder().encodeToString(new byte[] {(byte) 0x80})))
        .as("a varint cut short").isEmpty();
    assertThat(DoneOffsets.decode(0, "rw2:" + Base64.getUrlEncoder().encodeToString(new byte[] {
        (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 1})))
        .as("a span past any partition").isEmpty();
  }

  @Test
  void theWidestRangeThatFitsStaysWithinTheLimit() {
    long capacity = DoneOffsets.capacity(4096);

    assertThat(capacity).isGreaterThan(24_000);
    assertThat(DoneOffsets.encode(0, OffsetRanges.of(1, capacity)).length()).isLessThanOrEqualTo(4096);
  }
}
