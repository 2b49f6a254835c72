package dev.relayworker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, through the real launcher: embedded Kafka, simulator, worker, replies. */
class DemoCommandIT {

  @TempDir
  Path dir;

  @Test
  void theDemoAnswersEveryRequestAndExitsZero() throws Exception {
    Path output = dir.resolve("demo.out");

    int exit = Launcher.run(output, Map.of(), 240, "demo", "--requests", "60", "--latency-ms", "50");

    String printed = Launcher.read(output);
    assertThat(exit).as(printed).isZero();
    assertThat(printed).contains("summary: sent 60, answered 60").contains("every request got its reply")
        .contains("latency (sent to reply read): p50");
  }
}
