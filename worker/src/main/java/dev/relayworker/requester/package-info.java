/**
 * The requester's side of the protocol, shared by {@code send}, {@code batch} and the tools:
 * reading the reply topic from its end ({@link dev.relayworker.requester.ReplyReader}).
 *
 * <p>Threads: the caller's.
 */
package dev.relayworker.requester;
