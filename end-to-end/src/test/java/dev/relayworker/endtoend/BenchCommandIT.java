package dev.relayworker.endtoend;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench --quick} through the launcher: the harness runs end to end. Counts and shape, never timings. */
class BenchCommandIT {

  @TempDir
  Path dir;

  @Test
  void quickBenchAnswersEveryRequestAndReportsEveryFigure() throws Exception {
    Path output = dir.resolve("bench.out");
    Path json = dir.resolve("bench.json");

    // A real relay left in the shell must not receive the benchmark's load: nothing listens here,
    // so a worker that followed these would answer nothing.
    int exit = Launcher.run(output, Map.of("RELAY_BASE_URL", "http://127.0.0.1:9", "RELAY_API_KEY", "sk-live-key"),
        300, "bench", "--quick", "--json", json.toString(), "latency-bound", "rate-limited", "naive");

    assertThat(exit).as(Launcher.read(output)).isZero();
    JsonNode runs = new ObjectMapper().readTree(json.toFile());
    assertThat(runs).hasSize(4);
    for (JsonNode run : runs.findParents("scenario").subList(0, 2)) {
      assertThat(run.path("answered").asInt()).isEqualTo(run.path("requests").asInt()).isPositive();
      assertThat(run.path("relayCallsPerRequest").asDouble()).isGreaterThanOrEqualTo(1.0);
      assertThat(run.path("workerCpuMicrosPerCompletion").asDouble()).isPositive();
      assertThat(run.path("workerPeakHeapMiB").asLong()).isPositive();
      assertThat(run.has("e2eP99Ms")).isTrue();
      assertThat(run.has("addedP50Ms")).isTrue();
      assertThat(run.path("workerCpuMicrosWithoutJit").asDouble())
          .isLessThanOrEqualTo(run.path("workerCpuMicrosPerCompletion").asDouble());
      assertThat(run.has("relayCallsOpenMin")).isTrue();
      assertThat(run.has("workerThreadsStarted")).isTrue();
    }
    // 300 requests sent at once to a 50 ms relay: the worker keeps calls open while they last.
    assertThat(runs.get(0).path("relayCallsOpenMean").asDouble()).isGreaterThan(1.0);
    assertThat(runs.get(2).path("scenario").asText()).isEqualTo("naive/latency-bound");
    assertThat(runs.get(3).path("scenario").asText()).isEqualTo("naive/cpu-bound");
    assertThat(runs.findValues("naiveCompletionsPerSecond").subList(2, 4))
        .allSatisfy(naive -> assertThat(naive.asDouble()).isPositive());
    assertThat(Launcher.read(output)).contains("completions/s").contains("% of limit");
  }
}
