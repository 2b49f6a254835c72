package dev.relayworker.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PercentilesTest {

  @Test
  void nearestRankOfASortedSample() {
    double[] sample = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

    assertThat(Percentiles.of(sample, 50)).isEqualTo(5);
    assertThat(Percentiles.of(sample, 95)).isEqualTo(10);
    assertThat(Percentiles.of(sample, 1)).isEqualTo(1);
    assertThat(Percentiles.of(new double[] {42}, 99)).isEqualTo(42);
  }

  @Test
  void anEmptySampleHasNoPercentile() {
    assertThat(Percentiles.of(new double[0], 50)).isNaN();
  }
}
