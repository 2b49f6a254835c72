package dev.relayworker.protocol;

import java.util.Map;

/**
 * Where a reply goes and what it echoes: the topic (requested or default), the partition if the
 * requester named one, and the correlation headers to copy back byte for byte. Immutable; the
 * byte arrays are not copied.
 *
 * @param partition the requested partition, or null to let the key choose
 * @param correlation correlation header name to its raw value, in arrival order
 */
public record ReplyAddress(String topic, Integer partition, Map<String, byte[]> correlation) {

  public static ReplyAddress defaultTopic(String topic, Map<String, byte[]> correlation) {
    return new ReplyAddress(topic, null, correlation);
  }
}
