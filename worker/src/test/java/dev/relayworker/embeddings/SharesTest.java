package dev.relayworker.embeddings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SharesTest {

  @Test
  void exactSharesStayExact() {
    assertThat(Shares.split(60, new long[] {10, 20, 30})).containsExactly(10, 20, 30);
  }

  @Test
  void whatTheFloorsLeaveGoesToTheLargestRemaindersEarlierFirst() {
    // 10 × 1/3 each: floors 3, 3, 3; the one left goes to the first.
    assertThat(Shares.split(10, new long[] {1, 1, 1})).containsExactly(4, 3, 3);
    // 7 over 1:2:4 = 1, 2, 4 exactly; 8 = 1.14, 2.29, 4.57: the largest remainder (the third) gets it.
    assertThat(Shares.split(8, new long[] {1, 2, 4})).containsExactly(1, 2, 5);
  }

  @Test
  void partsAlwaysSumToTheTotalAndStayWithinOneOfTheirExactShare() {
    SplittableRandom random = new SplittableRandom(7);
    for (int round = 0; round < 1_000; round++) {
      long[] weights = random.longs(1 + random.nextInt(300), 0, 5_000).toArray();
      long total = random.nextLong(0, 3_000_000);
      long[] parts = Shares.split(total, weights);
      assertThat(Arrays.stream(parts).sum()).isEqualTo(total);
      double sum = Arrays.stream(weights).sum();
      for (int i = 0; i < parts.length; i++) {
        double exact = sum == 0 ? (double) total / parts.length : total * (weights[i] / sum);
        assertThat(Math.abs(parts[i] - exact)).isLessThan(1.0);
      }
    }
  }

  @Test
  void allZeroWeightsSplitEvenlyAndNegativesAreRefused() {
    assertThat(Shares.split(5, new long[] {0, 0})).containsExactly(3, 2);
    assertThat(Shares.split(0, new long[] {4, 9})).containsExactly(0, 0);
    assertThatThrownBy(() -> Shares.split(5, new long[] {1, -1})).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Shares.split(-1, new long[] {1})).isInstanceOf(IllegalArgumentException.class);
  }
}
