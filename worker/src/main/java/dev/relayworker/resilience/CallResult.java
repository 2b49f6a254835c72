package dev.relayworker.resilience;

import dev.relayworker.relay.Completion;

/** A completion and the number of relay calls it took (1 when the first attempt succeeded). */
public record CallResult(Completion completion, int attempts) {}
