package dev.relayworker.pipeline;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of offsets kept as disjoint runs {@code [start, end)}, so that a million consecutive
 * offsets cost one entry: the done offsets above a partition's committed one are mostly a few
 * long runs broken by the requests still in flight.
 *
 * <p>Not thread-safe; confined to the poll thread like the ledger that owns it.
 */
final class OffsetRanges implements Iterable<OffsetRanges.Range> {

  /** Offsets {@code start} (inclusive) to {@code end} (exclusive). */
  record Range(long start, long end) {
    long length() {
      return end - start;
    }
  }

  private final TreeMap<Long, Long> runs = new TreeMap<>();

  /** A set of the given offsets. */
  static OffsetRanges of(long... offsets) {
    OffsetRanges set = new OffsetRanges();
    for (long offset : offsets) {
      set.add(offset);
    }
    return set;
  }

  /** Every offset, lowest first: only for small sets (tests read them this way). */
  java.util.List<Long> toList() {
    java.util.List<Long> offsets = new java.util.ArrayList<>();
    for (Range range : this) {
      for (long offset = range.start(); offset < range.end(); offset++) {
        offsets.add(offset);
      }
    }
    return offsets;
  }

  boolean isEmpty() {
    return runs.isEmpty();
  }

  /** How many runs; the cost of this set in memory and in the commit metadata. */
  int runCount() {
    return runs.size();
  }

  boolean contains(long offset) {
    Map.Entry<Long, Long> run = runs.floorEntry(offset);
    return run != null && run.getValue() > offset;
  }

  /** The end (exclusive) of the run holding {@code offset}, or {@code offset} when none does. */
  long endOfRunAt(long offset) {
    Map.Entry<Long, Long> run = runs.floorEntry(offset);
    return run != null && run.getValue() > offset ? run.getValue() : offset;
  }

  void add(long offset) {
    addRange(offset, offset + 1);
  }

  /** Adds {@code [start, end)}, merging with the runs it touches. */
  void addRange(long start, long end) {
    if (end <= start) {
      return;
    }
    long from = start;
    long to = end;
    Map.Entry<Long, Long> before = runs.floorEntry(start);
    if (before != null && before.getValue() >= start) {
      from = before.getKey();
      to = Math.max(to, before.getValue());
    }
    for (Map.Entry<Long, Long> next = runs.ceilingEntry(from); next != null && next.getKey() <= to;
        next = runs.ceilingEntry(from)) {
      to = Math.max(to, next.getValue());
      runs.remove(next.getKey());
    }
    runs.put(from, to);
  }

  /** Removes {@code offset}, splitting its run. */
  boolean remove(long offset) {
    Map.Entry<Long, Long> run = runs.floorEntry(offset);
    if (run == null || run.getValue() <= offset) {
      return false;
    }
    runs.remove(run.getKey());
    if (run.getKey() < offset) {
      runs.put(run.getKey(), offset);
    }
    if (offset + 1 < run.getValue()) {
      runs.put(offset + 1, run.getValue());
    }
    return true;
  }

  /** Removes every offset below {@code bound}. */
  void removeBelow(long bound) {
    for (Map.Entry<Long, Long> first = runs.firstEntry(); first != null && first.getKey() < bound;
        first = runs.firstEntry()) {
      runs.remove(first.getKey());
      if (first.getValue() > bound) {
        runs.put(bound, first.getValue());
        return;
      }
    }
  }

  /** The highest offset held; only when not empty. */
  long last() {
    return runs.lastEntry().getValue() - 1;
  }

  /** Adds every offset of {@code other} at or above {@code from}. */
  void addAll(OffsetRanges other, long from) {
    for (Range range : other) {
      if (range.end() > from) {
        addRange(Math.max(from, range.start()), range.end());
      }
    }
  }

  @Override
  public Iterator<Range> iterator() {
    Iterator<Map.Entry<Long, Long>> entries = runs.entrySet().iterator();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return entries.hasNext();
      }

      @Override
      public Range next() {
        Map.Entry<Long, Long> entry = entries.next();
        return new Range(entry.getKey(), entry.getValue());
      }
    };
  }
}
