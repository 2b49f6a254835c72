package dev.relayworker.cli;

import dev.relayworker.config.ConfigReference;
import picocli.CommandLine.Command;

/** {@code relay-worker config-reference}: prints every setting as Markdown (docs/configuration.md). */
@Command(name = "config-reference", mixinStandardHelpOptions = true,
    description = "Print the configuration reference, generated from the settings' declarations, as Markdown.")
final class ConfigReferenceCommand implements Runnable {

  @Override
  public void run() {
    System.out.print(ConfigReference.markdown());
  }
}
