package dev.relayworker.tools;

import dev.relayworker.cli.Main;
import dev.relayworker.simulator.SimulateRelayCommand;
import picocli.CommandLine;

/**
 * Entry point of the tools' jar, which {@code bin/relay-worker} runs for {@code demo},
 * {@code bench}, {@code simulate-relay} and {@code --help}: the worker's own command line with the
 * development tools added. The worker's jar (and so its Docker image) has none of them.
 */
public final class ToolsMain {

  private ToolsMain() {}

  public static void main(String[] args) {
    CommandLine commandLine = Main.commandLine(new DemoCommand(), new BenchCommand(), new SimulateRelayCommand());
    System.exit(Main.execute(commandLine, args));
  }
}
