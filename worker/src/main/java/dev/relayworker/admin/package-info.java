/**
 * The HTTP endpoint operators and orchestrators read: {@code GET /metrics} (Prometheus),
 * {@code /health/live} and {@code /health/ready} ({@link dev.relayworker.admin.AdminServer}).
 *
 * <p>Threads: one Netty event loop; no client, however slow, can hold up a probe.
 */
package dev.relayworker.admin;
