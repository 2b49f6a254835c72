/**
 * OpenTelemetry traces of each request: a {@code process} span from the moment its record is
 * taken to the moment its reply is safe, parented by the {@code traceparent} the record carries; a
 * {@code gen_ai} CLIENT span per relay attempt; a {@code send} PRODUCER span whose context the
 * reply record carries on, so that the requester's trace continues. {@link Tracing} is the entry;
 * {@link TracingSetup} builds it from the {@code OTEL_*} variables, off unless they ask for it.
 */
package dev.relayworker.tracing;
