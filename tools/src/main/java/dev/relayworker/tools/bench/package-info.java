/**
 * The benchmark: scenarios ({@link dev.relayworker.tools.bench.Scenarios}), the worker as a JVM of
 * its own so its CPU can be read apart, the load driver, and the naive loop it is compared with
 * ({@link dev.relayworker.tools.bench.BenchRunner}).
 *
 * <p>Threads: the command's, plus one sender thread per phase at a fixed rate.
 */
package dev.relayworker.tools.bench;
