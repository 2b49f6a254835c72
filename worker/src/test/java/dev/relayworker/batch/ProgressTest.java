package dev.relayworker.batch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

  @Test
  void rateAndEtaCountOnlyThisRunsAnswers() {
    Progress progress = new Progress(out, false, nanos::get, 1000, 400);
    nanos.addAndGet(10_000_000_000L);

    // 100 answered in 10 s: 10/s, and 500 left take 50 s.
    assertThat(progress.render(500, nanos.get())).isEqualTo("500/1000 (50%) 10.0/s ETA 0:50");
  }

  @Test
  void aTerminalGetsABarRedrawnInPlace() {
    Progress progress = new Progress(out, true, nanos::get, 10, 0);
    nanos.addAndGet(1_000_000_000L);

    progress.update(5);

    assertThat(printed.toString(StandardCharsets.UTF_8))
        .isEqualTo("\r[###############...............] 5/10 (50%) 5.0/s ETA 0:01\u001b[K");
  }

  @Test
  void elsewhereAPlainLineEveryFewSecondsAndAFinalOne() {
    Progress progress = new Progress(out, false, nanos::get, 4, 0);
    nanos.addAndGet(1_000_000_000L);
    progress.update(1);
    nanos.addAndGet(5_000_000_000L);
    progress.update(2);
    progress.finish(4);

    assertThat(printed.toString(StandardCharsets.UTF_8).lines().toList())
        .containsExactly("batch: 2/4 (50%) 0.3/s ETA 0:06", "batch: 4/4 (100%) 0.7/s done");
  }
}
