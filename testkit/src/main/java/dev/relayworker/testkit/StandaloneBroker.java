package dev.relayworker.testkit;

import dev.relayworker.testkit.EmbeddedKafka;

/**
 * A real single-node broker in a JVM of its own, for tests that must stop the broker's process
 * (SIGSTOP, SIGKILL) while workers run elsewhere. Prints {@code bootstrap=HOST:PORT} once it
 * serves, then runs until its standard input closes.
 */
public final class StandaloneBroker {

  private StandaloneBroker() {}

  public static void main(String[] args) throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start()) {
      System.out.println("bootstrap=" + kafka.bootstrapServers());
      System.out.flush();
      while (System.in.read() >= 0) {
        // Runs until the test closes our stdin or kills us.
      }
    }
  }
}
