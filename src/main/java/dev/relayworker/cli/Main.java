package dev.relayworker.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code bin/relay-worker}: one subcommand per job. Exit codes: 0 success,
 * 1 the job failed, 2 bad usage or configuration.
 */
@Command(name = "relay-worker", mixinStandardHelpOptions = true, version = "relay-worker 0.1.0",
    description = "Kafka worker for LLM completion requests through an OpenAI-compatible relay.",
    subcommands = {SimulateRelayCommand.class, ConfigReferenceCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command, e.g. simulate-relay");
  }
}
