package dev.relayworker.cli;

import dev.relayworker.config.ConfigLoader;
import dev.relayworker.config.WorkerConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option shared by commands that read the worker configuration. */
public final class ConfigOption {

  /** Where the worker looks for its settings, relative to the working directory. */
  public static final Path DEFAULT_FILE = Path.of("config", "worker.properties");

  @Option(names = "--config", paramLabel = "FILE",
      description = "Worker settings (default: config/worker.properties when present); environment overrides apply.")
  Path file;

  WorkerConfig load() {
    Path chosen = file != null ? file : Files.exists(DEFAULT_FILE) ? DEFAULT_FILE : null;
    if (file != null && !Files.exists(file)) {
      throw new ConfigException("Configuration file " + file + " does not exist");
    }
    return ConfigLoader.load(chosen, System.getenv());
  }
}
