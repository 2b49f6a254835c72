package dev.relayworker.cli;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the worker's jar: one subcommand per job an operator runs in production
 * ({@code run}, {@code send}, {@code batch}, {@code config-reference}). The development tools
 * ({@code demo}, {@code bench}, {@code simulate-relay}) live in the tools module, which builds its
 * command line on {@link #commandLine()}. Exit codes: 0 success, 1 the job failed, 2 bad usage or
 * configuration (the message names the setting).
 */
@Command(name = "relay-worker", mixinStandardHelpOptions = true, version = "relay-worker 0.1.0",
    description = "Kafka worker for LLM completion requests through an OpenAI-compatible relay.",
    subcommands = {RunCommand.class, SendCommand.class, BatchCommand.class, ConfigReferenceCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  /** Values of LOG_FORMAT that logback.xml has an encoder for (logback-text.xml, logback-json.xml). */
  public static final java.util.Set<String> LOG_FORMATS = java.util.Set.of("text", "json");

  public static void main(String[] args) {
    System.exit(execute(commandLine(), args));
  }

  /** Runs {@code commandLine} (this one, or one built on it) and returns its exit code. */
  public static int execute(CommandLine commandLine, String... args) {
    // Checked before the first logger exists: logback would otherwise start without an appender.
    String logFormat = System.getenv("LOG_FORMAT");
    if (logFormat != null && !logFormat.isEmpty() && !LOG_FORMATS.contains(logFormat)) {
      System.err.println("relay-worker: LOG_FORMAT must be text or json, not '" + logFormat + "'");
      return 2;
    }
    return commandLine.execute(args);
  }

  /**
   * The worker's command line: its subcommands, then {@code moreCommands} (picocli commands, each
   * naming itself), then {@code help}; failures give the exit codes above.
   */
  public static CommandLine commandLine(Object... moreCommands) {
    CommandLine commandLine = new CommandLine(new Main());
    for (Object command : moreCommands) {
      commandLine.addSubcommand(command);
    }
    return commandLine.addSubcommand(new CommandLine.HelpCommand())
        .setExecutionExceptionHandler((failure, failed, parseResult) -> {
          if (failure instanceof ConfigException) {
            failed.getErr().println("relay-worker: configuration error: " + failure.getMessage());
            return 2;
          }
          failed.getErr().println("relay-worker: " + failure);
          return 1;
        });
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. run or send");
  }
}
