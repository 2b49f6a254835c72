/**
 * One attempt at the relay over HTTP ({@link dev.relayworker.relay.HttpRelayClient}) and what its
 * answer means ({@link dev.relayworker.relay.FailureClassifier}: worth retrying or not, and whose
 * fault). Knows nothing of Kafka, retries or limits.
 *
 * <p>Threads: {@code send} returns at once on any thread; answers are read and futures completed
 * on the client's {@code relay-http-N} threads, deadlines fire on {@code relay-deadline}.
 */
package dev.relayworker.relay;
