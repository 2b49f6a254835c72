/**
 * The worker's wire protocol with its requesters: what makes a record a valid request
 * ({@link dev.relayworker.protocol.RequestParser}), the reply, error and dead-letter records it
 * answers with ({@link dev.relayworker.protocol.ReplyRecords}), header names
 * ({@link dev.relayworker.protocol.ProtocolHeaders}) and how large a record is. No I/O.
 *
 * <p>Threads: pure functions and immutable values, called on the poll thread.
 */
package dev.relayworker.protocol;
