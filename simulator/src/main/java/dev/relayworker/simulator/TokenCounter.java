package dev.relayworker.simulator;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts prompt tokens the way OpenAI's completion models do (cl100k_base, the encoding of
 * gpt-3.5-turbo-instruct), so the simulator's {@code usage} is honest. Thread-safe.
 */
final class TokenCounter {

  private final Encoding encoding = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE);

  int count(String text) {
    return encoding.countTokens(text);
  }
}
