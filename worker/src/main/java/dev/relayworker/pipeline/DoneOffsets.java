package dev.relayworker.pipeline;

import java.util.Base64;
import java.util.BitSet;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Encodes the offsets finished above a partition's committed offset into the offset commit's
 * metadata string, so a restart or a new owner skips them instead of calling the relay and
 * answering again. Format: {@code rw1:} then the URL-safe base64 of a bitset whose bit {@code i}
 * stands for offset {@code committed + 1 + i} (the committed offset itself is never done: it is
 * the first one that is not).
 *
 * <p>Pure; thread-safe. The broker refuses metadata over {@code offset.metadata.max.bytes}
 * (4,096 by default), so {@link #capacity} says how wide a range fits.
 */
final class DoneOffsets {

  static final String PREFIX = "rw1:";

  private DoneOffsets() {}

  /** Metadata for {@code done}: offsets above {@code committed}; others are ignored. */
  static String encode(long committed, SortedSet<Long> done) {
    SortedSet<Long> above = done.tailSet(committed + 1);
    if (above.isEmpty()) {
      return "";
    }
    BitSet bits = new BitSet();
    for (long offset : above) {
      bits.set((int) (offset - committed - 1));
    }
    return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bits.toByteArray());
  }

  /**
   * The done offsets recorded in {@code metadata}, or empty when it is not ours: metadata written
   * by another tool is ignored, never trusted.
   */
  static Optional<SortedSet<Long>> decode(long committed, String metadata) {
    if (metadata == null || !metadata.startsWith(PREFIX)) {
      return Optional.empty();
    }
    BitSet bits;
    try {
      bits = BitSet.valueOf(Base64.getUrlDecoder().decode(metadata.substring(PREFIX.length())));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    SortedSet<Long> done = new TreeSet<>();
    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
      done.add(committed + 1 + i);
    }
    return Optional.of(done);
  }

  /** How many offsets above the committed one fit in metadata of at most {@code maxBytes}. */
  static long capacity(int maxBytes) {
    int base64Chars = Math.max(0, maxBytes - PREFIX.length());
    return (long) (base64Chars / 4) * 3 * Byte.SIZE;
  }
}
