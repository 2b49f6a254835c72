/**
 * What the tests of every module and the tools share: a real Kafka broker in-process
 * ({@link dev.relayworker.testkit.EmbeddedKafka}, the only place the broker is a dependency), the
 * JUnit extension handing one to tests ({@link dev.relayworker.testkit.KafkaBroker}), bounded
 * waiting ({@link dev.relayworker.testkit.Await}), reading a topic, a clock a test moves, and
 * reading a Prometheus scrape.
 *
 * <p>Threads: the caller's; the broker runs its own.
 */
package dev.relayworker.testkit;
