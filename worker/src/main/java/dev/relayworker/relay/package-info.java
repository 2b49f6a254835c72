/**
 * One attempt at the relay over HTTP ({@link dev.relayworker.relay.RelayClient}: Netty's
 * {@link dev.relayworker.relay.NettyRelayClient} by default, the JDK's in
 * {@link dev.relayworker.relay.JdkRelayClient}) and what its answer means
 * ({@link dev.relayworker.relay.AnswerReader}, {@link dev.relayworker.relay.FailureClassifier}:
 * worth retrying or not, and whose fault). Knows nothing of Kafka, retries or limits.
 *
 * <p>Threads: {@code send} returns at once on any thread. The Netty client reads answers and
 * completes futures on its one {@code relay-io} thread; the JDK client reads on
 * {@code relay-http-N} threads and completes through the JDK's default async executor.
 */
package dev.relayworker.relay;
