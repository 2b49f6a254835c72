package dev.relayworker.cli;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/relay-worker}: one subcommand per job. Exit codes: 0 success,
 * 1 the job failed, 2 bad usage or configuration (the message names the setting).
 */
@Command(name = "relay-worker", mixinStandardHelpOptions = true, version = "relay-worker 0.1.0",
    description = "Kafka worker for LLM completion requests through an OpenAI-compatible relay.",
    subcommands = {DemoCommand.class, RunCommand.class, SendCommand.class, BatchCommand.class, BenchCommand.class, SimulateRelayCommand.class,
        ConfigReferenceCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  /** Values of LOG_FORMAT that logback.xml has an encoder for (logback-text.xml, logback-json.xml). */
  static final java.util.Set<String> LOG_FORMATS = java.util.Set.of("text", "json");

  public static void main(String[] args) {
    // Checked before the first logger exists: logback would otherwise start without an appender.
    String logFormat = System.getenv("LOG_FORMAT");
    if (logFormat != null && !logFormat.isEmpty() && !LOG_FORMATS.contains(logFormat)) {
      System.err.println("relay-worker: LOG_FORMAT must be text or json, not '" + logFormat + "'");
      System.exit(2);
    }
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new Main()).setExecutionExceptionHandler((failure, commandLine, parseResult) -> {
      if (failure instanceof ConfigException) {
        commandLine.getErr().println("relay-worker: configuration error: " + failure.getMessage());
        return 2;
      }
      commandLine.getErr().println("relay-worker: " + failure);
      return 1;
    });
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. demo, run or send");
  }
}
