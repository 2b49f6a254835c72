package dev.relayworker.relay;

/** Token counts of one completion, as the relay reported them in {@code usage}. Immutable. */
public record Usage(long promptTokens, long completionTokens, long totalTokens) {}
