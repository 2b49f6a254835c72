package dev.relayworker.protocol;

import dev.relayworker.relay.RelayApi;
import java.time.Instant;

/**
 * A valid completion or chat completion request taken from a record: what to send the relay,
 * to which endpoint, by when, and where the answer goes. Immutable; arrays are not copied.
 *
 * @param requestId the ID replies are keyed and tagged with
 * @param replyKey the reply's key: the request's own key bytes, or the request ID in UTF-8
 * @param body the JSON to send the relay: the record value unchanged, or with the default model added
 * @param model the model the body asks for (its answer is priced as this model)
 * @param tokenEstimate the most tokens it may use, counted only when a tokens-per-minute limit is
 *     set ({@link RequestRules#tokensPerMinute()}); 0 otherwise
 * @param endpoint the relay endpoint it goes to
 * @param relayGroup the route or group its {@code relay_group} header asks for first, or null
 * @param usageCeiling the most tokens an answer may claim for its prompt, and for its completion
 *     ({@link InputLimits#usageMaxTokens()}, or more when the request itself allows more)
 * @param caller who sent it, by its caller header ({@link ProtocolHeaders#RELAY_CALLER}), or null
 * @param stream whether it asks for its answer streamed ({@code "stream": true} or the
 *     {@link ProtocolHeaders#RELAY_STREAM} header): its body then asks the relay for a stream
 */
public record CompletionRequest(String requestId, byte[] replyKey, byte[] body, Instant deadline, ReplyAddress address,
    String model, long tokenEstimate, RelayApi endpoint, String relayGroup, long usageCeiling, String caller,
    boolean stream) {

  /** A request answered whole. */
  public CompletionRequest(String requestId, byte[] replyKey, byte[] body, Instant deadline, ReplyAddress address,
      String model, long tokenEstimate, RelayApi endpoint, String relayGroup, long usageCeiling, String caller) {
    this(requestId, replyKey, body, deadline, address, model, tokenEstimate, endpoint, relayGroup, usageCeiling, caller,
        false);
  }

  /** A request that names no caller. */
  public CompletionRequest(String requestId, byte[] replyKey, byte[] body, Instant deadline, ReplyAddress address,
      String model, long tokenEstimate, RelayApi endpoint, String relayGroup, long usageCeiling) {
    this(requestId, replyKey, body, deadline, address, model, tokenEstimate, endpoint, relayGroup, usageCeiling, null);
  }
}
