/**
 * Embeddings requests micro-batched across records: requests that ask for the same thing
 * (route, caller, model, options) share one relay call, and each is answered with its own
 * vectors and its own share of the call's usage and cost. {@link
 * dev.relayworker.embeddings.EmbeddingBatcher} sits in front of the relay's calls and passes
 * every other request through.
 */
package dev.relayworker.embeddings;
