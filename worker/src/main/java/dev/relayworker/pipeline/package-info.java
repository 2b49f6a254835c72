/**
 * The poll thread's work: the loop ({@link dev.relayworker.pipeline.PollLoop}), partitions coming
 * and going ({@link dev.relayworker.pipeline.HandOver}), the in-flight ledgers of offsets
 * ({@link dev.relayworker.pipeline.PartitionLedger}), what happens to each request
 * ({@link dev.relayworker.pipeline.Outcomes}: answered, parked, moved, refused), and the delivery
 * of replies ({@link dev.relayworker.pipeline.ReplyRouter}, then a
 * {@link dev.relayworker.pipeline.Delivery}). {@link dev.relayworker.pipeline.Worker} is the facade
 * and the one place the worker is wired: it builds the Kafka clients
 * ({@link dev.relayworker.config.KafkaClients}), the relay ({@link dev.relayworker.routing.RelayRoutes})
 * and the loop, and starts the ops endpoint.
 *
 * <p>Threads: the {@code poll-loop} thread owns the consumer and nearly everything here; the
 * classes that keep the consumer all run on it (the architecture test names them). Relay and
 * producer threads hand results back through the {@link dev.relayworker.pipeline.Mailbox}; reply
 * topics are looked up on {@code reply-topic-check}; at-least-once sends go out on
 * {@code reply-publisher}; health is read on the ops endpoint's thread.
 */
package dev.relayworker.pipeline;
