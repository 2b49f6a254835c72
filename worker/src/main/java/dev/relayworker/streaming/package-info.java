/**
 * Streamed answers' text as chunk records: {@link dev.relayworker.streaming.ChunkPublisher} gives
 * each streamed request a {@link dev.relayworker.resilience.ChunkStream}, whose attempts gather the
 * relay's text and publish it, coalesced, to the stream topic outside the reply transaction. The
 * final reply still goes the reply path; chunks are a preview.
 */
package dev.relayworker.streaming;
