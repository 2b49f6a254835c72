package dev.relayworker.tools;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * The {@code --verbose} option of the tools, whose own output is their progress and results: by
 * default only ERROR lines of the embedded broker, the Kafka clients and the worker reach the
 * terminal (a demo's worker and broker are not what the reader asked to watch); with
 * {@code --verbose}, their warnings too and the worker's own INFO lines, as {@code run} prints them.
 *
 * <p>Call {@link #apply()} first thing in a command, on its thread.
 */
final class ToolOutput {

  @Option(names = "--verbose", description = "Also show the log lines of the broker, the Kafka clients and the worker.")
  boolean verbose;

  void apply() {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    if (verbose) {
      // The broker logs thousands of INFO lines as it starts; the worker's loggers keep their own level.
      context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.WARN);
      return;
    }
    // Loggers with a level of their own (logback.xml sets some) would not follow the root's.
    for (Logger logger : context.getLoggerList()) {
      if (logger.getLevel() != null) {
        logger.setLevel(Level.ERROR);
      }
    }
    context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.ERROR);
  }
}
