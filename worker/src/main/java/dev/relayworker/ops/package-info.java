/**
 * The ops endpoint: the HTTP endpoint operators and orchestrators read (on {@code admin.port},
 * the setting's name from before this package had its own): {@code GET /metrics} (Prometheus),
 * {@code /health/live} and {@code /health/ready} ({@link dev.relayworker.ops.OpsServer}).
 *
 * <p>Threads: one Netty event loop; no client, however slow, can hold up a probe.
 */
package dev.relayworker.ops;
