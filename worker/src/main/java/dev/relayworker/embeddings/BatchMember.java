package dev.relayworker.embeddings;

import dev.relayworker.protocol.EmbeddingInput;
import dev.relayworker.resilience.CallResult;
import dev.relayworker.resilience.RelayRequest;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * One embeddings request waiting in a batch, and the future its answer completes.
 *
 * @param tokens its inputs' tokens, counted in the model's encoding (token ids one each): what it
 *     weighs when the call's usage is split
 * @param sendBy when it is due to go: its linger's end, or {@code latest} if sooner
 * @param latest the longest it may wait, whatever the pace of requests: half the time its
 *     deadline left it when it joined
 */
record BatchMember(RelayRequest request, EmbeddingInput input, long tokens, int chargedBefore, Instant sendBy,
    Instant latest, CompletableFuture<CallResult> answer) {

  int inputs() {
    return input.items().size();
  }
}
