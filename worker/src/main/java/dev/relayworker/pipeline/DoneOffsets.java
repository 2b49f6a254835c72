package dev.relayworker.pipeline;

import java.io.ByteArrayOutputStream;
import java.util.Base64;
import java.util.BitSet;
import java.util.Optional;

/**
 * Encodes the offsets finished above a partition's committed offset into the offset commit's
 * metadata string, so a restart or a new owner skips them instead of calling the relay and
 * answering again. Two formats, the shorter written:
 * <ul>
 *   <li>{@code rw1:} then the URL-safe base64 of a bitset whose bit {@code i} stands for offset
 *       {@code committed + 1 + i}: compact when finished and unfinished offsets alternate;
 *   <li>{@code rw2:} then the URL-safe base64 of unsigned varints, the lengths of alternating runs
 *       from {@code committed + 1}, not done first, then done: compact when a few offsets are stuck
 *       and thousands behind them are done (one request parked, a million answered behind it).
 * </ul>
 * The committed offset itself is never done: it is the first one that is not.
 *
 * <p>Pure; thread-safe. The broker refuses metadata over {@code offset.metadata.max.bytes}
 * (4,096 by default); {@link #length} says what an encoding takes.
 */
final class DoneOffsets {

  static final String BITSET = "rw1:";
  static final String RUNS = "rw2:";
  /** Runs decoded past this span are garbage, not ours. */
  private static final long MAX_SPAN = 1L << 40;
  /** A bitset is worth computing only for spans this short; longer ones cannot fit anyway. */
  private static final long MAX_BITSET_SPAN = 1 << 20;

  private DoneOffsets() {}

  /** Metadata for the offsets of {@code done} above {@code committed}; empty when there are none. */
  static String encode(long committed, OffsetRanges done) {
    byte[] runs = runs(committed, done);
    if (runs.length == 0) {
      return "";
    }
    String asRuns = RUNS + base64(runs);
    long span = done.last() - committed;
    if (span > MAX_BITSET_SPAN || bitsetLength(span) >= asRuns.length()) {
      return asRuns;
    }
    BitSet bits = new BitSet();
    for (OffsetRanges.Range range : done) {
      if (range.end() > committed + 1) {
        bits.set((int) (Math.max(range.start(), committed + 1) - committed - 1), (int) (range.end() - committed - 1));
      }
    }
    return BITSET + base64(bits.toByteArray());
  }

  /** The length of {@link #encode}'s result, without building a bitset. */
  static int length(long committed, OffsetRanges done) {
    byte[] runs = runs(committed, done);
    if (runs.length == 0) {
      return 0;
    }
    int asRuns = RUNS.length() + base64Length(runs.length);
    long span = done.last() - committed;
    return span > MAX_BITSET_SPAN ? asRuns : (int) Math.min(asRuns, bitsetLength(span));
  }

  /**
   * The done offsets recorded in {@code metadata}, or empty when it is not ours: metadata written
   * by another tool, or ours garbled, is ignored, never trusted.
   */
  static Optional<OffsetRanges> decode(long committed, String metadata) {
    if (metadata == null) {
      return Optional.empty();
    }
    try {
      if (metadata.startsWith(BITSET)) {
        return Optional.of(fromBitset(committed, Base64.getUrlDecoder().decode(metadata.substring(BITSET.length()))));
      }
      if (metadata.startsWith(RUNS)) {
        return fromRuns(committed, Base64.getUrlDecoder().decode(metadata.substring(RUNS.length())));
      }
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** How many offsets above the committed one a bitset of at most {@code maxBytes} can hold. */
  static long capacity(int maxBytes) {
    int base64Chars = Math.max(0, maxBytes - BITSET.length());
    return (long) (base64Chars / 4) * 3 * Byte.SIZE;
  }

  /** The bytes a run of {@code length} costs in {@code rw2}: its varint. */
  static int varintBytes(long length) {
    int bytes = 1;
    for (long rest = length >>> 7; rest != 0; rest >>>= 7) {
      bytes++;
    }
    return bytes;
  }

  /** Base64 characters (unpadded) for {@code bytes} bytes. */
  static int base64Length(long bytes) {
    return (int) Math.min(Integer.MAX_VALUE, (bytes * 4 + 2) / 3);
  }

  private static long bitsetLength(long span) {
    return BITSET.length() + base64Length((span + 7) / 8);
  }

  private static byte[] runs(long committed, OffsetRanges done) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long next = committed + 1;
    for (OffsetRanges.Range range : done) {
      if (range.end() <= next) {
        continue;
      }
      long start = Math.max(range.start(), next);
      varint(out, start - next);
      varint(out, range.end() - start);
      next = range.end();
    }
    return out.toByteArray();
  }

  private static OffsetRanges fromBitset(long committed, byte[] bytes) {
    BitSet bits = BitSet.valueOf(bytes);
    OffsetRanges done = new OffsetRanges();
    for (int i = bits.nextSetBit(0); i >= 0; i = bits.nextSetBit(i + 1)) {
      int end = bits.nextClearBit(i);
      done.addRange(committed + 1 + i, committed + 1 + end);
      i = end;
    }
    return done;
  }

  private static Optional<OffsetRanges> fromRuns(long committed, byte[] bytes) {
    OffsetRanges done = new OffsetRanges();
    long next = committed + 1;
    int[] at = {0};
    while (at[0] < bytes.length) {
      long gap = readVarint(bytes, at);
      long run = readVarint(bytes, at);
      if (gap < 0 || run <= 0 || next - committed + gap + run > MAX_SPAN) {
        return Optional.empty();
      }
      done.addRange(next + gap, next + gap + run);
      next += gap + run;
    }
    return Optional.of(done);
  }

  private static void varint(ByteArrayOutputStream out, long value) {
    long rest = value;
    while ((rest & ~0x7FL) != 0) {
      out.write((int) ((rest & 0x7F) | 0x80));
      rest >>>= 7;
    }
    out.write((int) rest);
  }

  /** An unsigned varint at {@code at[0]}, moving it on; -1 when cut short or too long. */
  private static long readVarint(byte[] bytes, int[] at) {
    long value = 0;
    for (int shift = 0; shift < 63; shift += 7) {
      if (at[0] >= bytes.length) {
        return -1;
      }
      byte b = bytes[at[0]++];
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    return -1;
  }

  private static String base64(byte[] bytes) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
