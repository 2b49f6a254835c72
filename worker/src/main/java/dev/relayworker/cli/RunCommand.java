package dev.relayworker.cli;

import dev.relayworker.pipeline.Worker;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code relay-worker run}: the worker, until SIGTERM or Ctrl-C, which stop it gracefully: no new
 * requests, those in flight finished (up to shutdown.timeout.ms), replies published, offsets
 * committed, exit 0. Exit 1 if the worker failed.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the worker: consume completion requests, call the relay, publish replies.")
final class RunCommand implements Callable<Integer> {

  private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

  @Mixin
  ConfigOption config;

  @Override
  public Integer call() throws InterruptedException {
    Worker worker = Worker.start(config.load());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      worker.close();
      // One line for benchmarks and capacity planning: the most heap the worker ever used.
      log.info("peak heap used {} bytes", peakHeapBytes());
      // The JVM would exit 143 after SIGTERM; a clean graceful stop is a success.
      Runtime.getRuntime().halt(worker.failure() == null ? 0 : 1);
    }, "graceful-stop"));
    worker.awaitTermination();
    return worker.failure() == null ? 0 : 1;
  }

  /** Sum over the heap's memory pools of the most each held, since the JVM started. */
  static long peakHeapBytes() {
    return java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
        .filter(pool -> pool.getType() == java.lang.management.MemoryType.HEAP)
        .mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
  }
}
