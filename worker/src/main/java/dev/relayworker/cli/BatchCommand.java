package dev.relayworker.cli;

import dev.relayworker.batch.BatchOutput;
import dev.relayworker.batch.BatchRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code relay-worker batch INPUT.jsonl OUTPUT.jsonl}: an OpenAI Batch API file through Kafka and
 * the running worker(s). Exit 0 when every line has its output line and none was bad; 1 when some
 * lines were bad, could not be sent, or got no reply before the idle timeout (run again to resume).
 */
@Command(name = "batch", mixinStandardHelpOptions = true,
    description = {"Send an OpenAI Batch API input file (/v1/completions lines) through the worker(s) and write"
        + " Batch API output lines as replies arrive.",
        "Re-running with the same OUTPUT resumes: custom_ids already in it are skipped."})
final class BatchCommand implements Callable<Integer> {

  @Mixin
  ConfigOption config;

  @Parameters(index = "0", paramLabel = "INPUT.jsonl", description = "Batch API input: one request per line.")
  Path input;

  @Parameters(index = "1", paramLabel = "OUTPUT.jsonl", description = "Batch API output, appended to.")
  Path output;

  @Option(names = "--idle-timeout-seconds", defaultValue = "600", paramLabel = "SECONDS",
      description = "Give up when no reply arrives for this long (default: ${DEFAULT-VALUE}).")
  long idleTimeoutSeconds;

  @Option(names = "--completion-window-hours", defaultValue = "24", paramLabel = "HOURS",
      description = "Deadline of each request, from the start of the run (default: ${DEFAULT-VALUE}, as OpenAI's).")
  long completionWindowHours;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(input)) {
      System.err.println("relay-worker: batch input " + input + " is not a readable file");
      return 2;
    }
    Path outputDirectory = output.toAbsolutePath().getParent();
    if (outputDirectory == null || !Files.isDirectory(outputDirectory)) {
      System.err.println("relay-worker: the directory of batch output " + output + " does not exist");
      return 2;
    }
    if (Files.exists(output) && Files.isSameFile(input, output)) {
      System.err.println("relay-worker: batch output must not be the input file");
      return 2;
    }
    if (idleTimeoutSeconds < 1 || completionWindowHours < 1 || completionWindowHours > 24 * 365) {
      System.err.println("relay-worker: --idle-timeout-seconds must be at least 1 and --completion-window-hours"
          + " 1 to 8760");
      return 2;
    }
    // A bar redrawn in place only where someone watches; logs and pipes get plain lines.
    boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
    BatchRun.Summary summary;
    try {
      summary = new BatchRun(config.load(), input, output, System.err, terminal,
          Duration.ofSeconds(idleTimeoutSeconds), Duration.ofHours(completionWindowHours), Clock.systemUTC()).run();
    } catch (BatchOutput.Refused refused) {
      System.err.println("relay-worker: " + refused.getMessage());
      return 2;
    }
    System.err.printf("batch: %d lines: %d answered in this run (cost %s USD), %d already in %s, %d bad%s%n",
        summary.lines(), summary.answered(), summary.costUsd().toPlainString(), summary.alreadyDone(), output,
        summary.badLines(),
        summary.complete() ? "" : "; INCOMPLETE, run again to resume");
    return summary.complete() && summary.badLines() == 0 ? 0 : 1;
  }
}
