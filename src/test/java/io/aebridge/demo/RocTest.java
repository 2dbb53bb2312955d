package io.aebridge.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RocTest {
  @Test
  void aucIsTheProbabilityThatAnAnomalyOutscoresANormalSampleWithTiesHalf() {
    assertEquals(1.0, Roc.auc(new double[] {1, 2}, new double[] {3, 4}), 1e-12);
    assertEquals(0.0, Roc.auc(new double[] {3, 4}, new double[] {1, 2}), 1e-12);
    // pairs (n, a): (1,2) win, (1,1) tie, (3,2) loss, (3,1) loss → (1 + 0.5) / 4
    assertEquals(0.375, Roc.auc(new double[] {1, 3}, new double[] {2, 1}), 1e-12);
  }

  @Test
  void quantileInterpolatesLikeNumpy() {
    double[] s = {4, 1, 3, 2, 5};
    assertEquals(3.0, Roc.quantile(s, 0.5), 1e-12);
    assertEquals(4.6, Roc.quantile(s, 0.9), 1e-12); // numpy.quantile([1,2,3,4,5], 0.9) == 4.6
    assertEquals(5.0, Roc.quantile(s, 1.0), 1e-12);
  }

  @Test
  void curveRunsFromOriginToOneOneAndPrecisionCountsFlaggedSamples() {
    double[][] c = Roc.curve(new double[] {1, 2}, new double[] {3, 4});
    assertEquals(0.0, c[0][0]);
    assertEquals(0.0, c[1][0]);
    assertEquals(1.0, c[0][c[0].length - 1]);
    assertEquals(1.0, c[1][c[1].length - 1]);
    // Threshold 1.5: flags normal 2 and both anomalies → precision 2/3, recall 1.
    assertEquals(2.0 / 3, Roc.precision(new double[] {1, 2}, new double[] {3, 4}, 1.5), 1e-12);
    assertArrayEquals(new double[] {0.5}, new double[] {Roc.fractionAbove(new double[] {1, 2}, 1.5)});
  }
}
