package dev.relayworker.ops;

import java.util.Map;

/**
 * One answer of a health check: up or down, and what it looked at. Served as JSON with HTTP 200
 * when up and 503 when down, the contract Kubernetes probes and load balancers read.
 *
 * @param up whether the check passed
 * @param details what the check saw, in order (the reason first when down)
 */
public record HealthReport(boolean up, Map<String, Object> details) {}
