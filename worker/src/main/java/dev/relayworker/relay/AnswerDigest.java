package dev.relayworker.relay;

import java.util.zip.CRC32C;

/**
 * A 64-bit fingerprint of a request or answer body, its length and CRC32C: two different bodies
 * share one with odds of about one in four billion. Enough to tell an answer repeated byte for byte
 * from a new one without keeping either. Pure.
 */
final class AnswerDigest {

  private AnswerDigest() {}

  static long of(byte[] bytes) {
    CRC32C crc = new CRC32C();
    crc.update(bytes);
    return ((long) bytes.length << 32) | crc.getValue();
  }
}
