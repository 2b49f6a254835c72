package dev.relayworker.spend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ledger's records: read back as written, and anything else on the topic skipped, never trusted. */
class SpendEntryTest {

  @Test
  void anEntryReadsBackAsWrittenWithAKeyPerSlotAndHour() {
    SpendEntry.Slot slot = new SpendEntry.Slot("route:premium", Instant.parse("2026-12-04T20:41:07Z"), "requests", 3);
    SpendEntry entry = slot.total(1_250);

    assertThat(new String(entry.key(), StandardCharsets.UTF_8))
        .isEqualTo("spend/route:premium/2026-12-04T20:00:00Z/requests/3");
    assertThat(SpendEntry.parse(entry.value())).contains(entry);
    assertThat(entry.slot().hour()).isEqualTo(Instant.parse("2026-12-04T20:00:00Z"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "not json",
      "{}",
      "[1,2]",
      "{\"scope\":\"route:a\",\"hour\":\"2026-12-04T20:00:00Z\",\"topic\":\"t\",\"partition\":0,\"quota\":-5}",
      "{\"scope\":\"route:a\",\"hour\":\"yesterday\",\"topic\":\"t\",\"partition\":0,\"quota\":5}",
      "{\"scope\":\"route:a\",\"hour\":\"2026-12-04T20:00:00Z\",\"topic\":\"t\",\"partition\":\"x\",\"quota\":5}",
      "{\"scope\":\"route:a\",\"hour\":\"2026-12-04T20:00:00Z\",\"topic\":\"t\",\"partition\":0,\"quota\":1e400}",
      "{\"scope\":7,\"hour\":\"2026-12-04T20:00:00Z\",\"topic\":\"t\",\"partition\":0,\"quota\":5}"})
  void aRecordThatIsNotAnEntryIsSkipped(String value) {
    assertThat(SpendEntry.parse(value.getBytes(StandardCharsets.UTF_8))).isEmpty();
  }

  @Test
  void anAbsentOrHugeValueIsSkipped() {
    assertThat(SpendEntry.parse(null)).isEmpty();
    assertThat(SpendEntry.parse(new byte[0])).isEmpty();
    assertThat(SpendEntry.parse(("{\"scope\":\"" + "x".repeat(10_000) + "\"}").getBytes(StandardCharsets.UTF_8)))
        .isEmpty();
  }
}
