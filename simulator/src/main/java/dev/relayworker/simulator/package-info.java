/**
 * A stand-in for an OpenAI-compatible relay of the one-api / new-api family
 * ({@link dev.relayworker.simulator.RelaySimulator}): completions with honest usage, the relays'
 * error shapes, latency, faults and rate limits on demand, and a log of every call. Depends on
 * nothing of the worker, so it cannot share the worker's mistakes.
 *
 * <p>Threads: Netty event loops; delayed answers are timer tasks on them, never waiting threads.
 */
package dev.relayworker.simulator;
