/**
 * Every setting of the worker, declared once ({@link dev.relayworker.config.WorkerConfig}: name,
 * type, default, validation and documentation together), read from the properties file and the
 * environment ({@link dev.relayworker.config.EnvironmentVariables}, the one reader of settings
 * from the environment), and rendered as the configuration reference; and the Kafka clients'
 * properties built from them ({@link dev.relayworker.config.KafkaClients}).
 *
 * <p>Threads: none of its own. Loading runs once at start on the caller's thread; a loaded
 * configuration is immutable and shared freely. Depends on nothing else of the worker.
 */
package dev.relayworker.config;
