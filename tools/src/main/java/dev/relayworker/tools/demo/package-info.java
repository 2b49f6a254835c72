/**
 * The requester side of {@code demo}: sends requests keyed by ID and measures what comes back
 * ({@link dev.relayworker.tools.demo.LoadRun}).
 *
 * <p>Threads: the demo's own.
 */
package dev.relayworker.tools.demo;
