/**
 * {@code relay-worker batch}: an OpenAI Batch API input file sent through Kafka to the running
 * worker(s), its output file written as replies arrive and resumed on a re-run
 * ({@link dev.relayworker.batch.BatchRun}).
 *
 * <p>Threads: the command's own thread, and the Kafka producer's for acknowledgements.
 */
package dev.relayworker.batch;
