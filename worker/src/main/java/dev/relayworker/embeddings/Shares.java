package dev.relayworker.embeddings;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * Splits a whole number into whole parts in proportion to weights, so that the parts sum to it
 * exactly (the largest-remainder method): each part is the floor of its exact share, and what
 * the floors leave is handed out one by one to the largest remainders, the earlier part first on
 * a tie. Each part is therefore within one of its exact share. Pure.
 */
final class Shares {

  private Shares() {}

  /**
   * @param total the number to split, 0 or more
   * @param weights 0 or more each; when all are 0, the parts are equal shares
   */
  static long[] split(long total, long[] weights) {
    if (total < 0) {
      throw new IllegalArgumentException("total must not be negative, was " + total);
    }
    long[] used = Arrays.stream(weights).allMatch(weight -> weight == 0) ? filled(weights.length) : weights;
    BigInteger sum = BigInteger.ZERO;
    for (long weight : used) {
      if (weight < 0) {
        throw new IllegalArgumentException("weights must not be negative, were " + Arrays.toString(weights));
      }
      sum = sum.add(BigInteger.valueOf(weight));
    }
    long[] parts = new long[used.length];
    BigInteger[] remainders = new BigInteger[used.length];
    long left = total;
    for (int i = 0; i < used.length; i++) {
      BigInteger[] division = BigInteger.valueOf(total).multiply(BigInteger.valueOf(used[i])).divideAndRemainder(sum);
      parts[i] = division[0].longValueExact();
      remainders[i] = division[1];
      left -= parts[i];
    }
    Integer[] order = new Integer[used.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> remainders[b].compareTo(remainders[a])); // stable: earlier first on ties
    for (int i = 0; left > 0; i++, left--) {
      parts[order[i]]++;
    }
    return parts;
  }

  private static long[] filled(int length) {
    long[] ones = new long[length];
    Arrays.fill(ones, 1);
    return ones;
  }
}
