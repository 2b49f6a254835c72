/**
 * The worker: {@link dev.relayworker.pipeline.Worker} wires it up; the poll loop
 * ({@link dev.relayworker.pipeline.PollLoop}) is the only code touching the consumer; offsets
 * become committable through the partition ledgers; every published record passes the
 * {@link dev.relayworker.pipeline.ReplyRouter}; a {@link dev.relayworker.pipeline.Delivery} is the
 * only code touching the producer (transactions under exactly-once).
 *
 * <p>Threads: the {@code poll-loop} thread owns nearly everything here. Relay and producer
 * threads hand results back through the {@link dev.relayworker.pipeline.Mailbox}; reply topics
 * are looked up on {@code reply-route-check}; at-least-once sends go out on
 * {@code reply-publisher}; health is read on the admin endpoint's thread.
 */
package dev.relayworker.pipeline;
