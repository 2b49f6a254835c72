/**
 * Every meter the worker registers, named once ({@link dev.relayworker.metrics.Metric}), their
 * recording ({@link dev.relayworker.metrics.WorkerMetrics}), and the state the poll loop
 * publishes for gauges and health ({@link dev.relayworker.metrics.LoopStatus}).
 *
 * <p>Threads: recorded on the poll thread and the relay's threads, read on the scraping thread;
 * everything is thread-safe and never touches the consumer.
 */
package dev.relayworker.metrics;
