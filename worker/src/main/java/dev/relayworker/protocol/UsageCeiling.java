package dev.relayworker.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.relayworker.relay.RelayApi;

/**
 * The most tokens an answer to a request may honestly claim for its prompt, and for its
 * completion: the configured bound ({@code relay.usage.max.tokens}), or twice what the request
 * itself allows when that is more (its choices times its {@code max_tokens}, its token estimate).
 * Fields are within the cost limits, so the product fits a long; it saturates all the same. Pure.
 */
final class UsageCeiling {

  private UsageCeiling() {}

  static long of(RelayFields fields, RelayApi endpoint, long tokenEstimate, long bound) {
    long perChoice;
    long choices = Math.max(1, whole(fields.get("n"), 1));
    if (endpoint == RelayApi.EMBEDDINGS) {
      perChoice = 0; // Embeddings generate nothing: the prompt is all there is.
    } else if (endpoint == RelayApi.MESSAGES) {
      perChoice = whole(fields.get("max_tokens"), 0);
      choices = 1;
    } else if (endpoint == RelayApi.CHAT_COMPLETIONS) {
      perChoice = whole(fields.get("max_completion_tokens"), whole(fields.get("max_tokens"), 0));
    } else {
      perChoice = whole(fields.get("max_tokens"), 16);
      choices = Math.max(choices, whole(fields.get("best_of"), 1))
          * Math.max(1, RelayFields.promptCount(fields.get("prompt")));
    }
    long allowed = Math.max(tokenEstimate, saturatedProduct(choices, perChoice));
    return Math.max(bound, allowed > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * allowed);
  }

  private static long whole(JsonNode field, long absent) {
    return field != null && field.canConvertToLong() ? Math.max(0, field.longValue()) : absent;
  }

  private static long saturatedProduct(long a, long b) {
    return b != 0 && a > Long.MAX_VALUE / b ? Long.MAX_VALUE : a * b;
  }
}
