package dev.relayworker.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogTextTest {

  @Test
  void escapesLineBreaksAndControlCharactersSoNoIdCanForgeALogLine() {
    assertThat(LogText.of("req-1\n12:00:00.000 INFO  [main] forged\r")).isEqualTo(
        "req-1\\n12:00:00.000 INFO  [main] forged\\r");
    assertThat(LogText.of("bell\u0007esc\u001b[31m")).isEqualTo("bell\\u0007esc\\u001b[31m");
  }

  @Test
  void cutsLongIdsAndSaysHowLongTheyWere() {
    String shown = LogText.of("k".repeat(600_000));

    assertThat(shown).startsWith("k".repeat(LogText.MAX_CHARS)).endsWith("...(600000 chars)");
    assertThat(shown.length()).isLessThan(LogText.MAX_CHARS + 30);
    assertThat(LogText.of("short")).isEqualTo("short");
  }
}
