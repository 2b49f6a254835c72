/**
 * The worker jar's command line ({@link dev.relayworker.cli.Main}): {@code run}, {@code send},
 * {@code batch} and {@code config-reference}, the commands an operator runs in production. The
 * development tools add theirs to it in the tools module.
 *
 * <p>Threads: {@code main}, and for {@code run} a shutdown hook that stops the worker gracefully.
 */
package dev.relayworker.cli;
