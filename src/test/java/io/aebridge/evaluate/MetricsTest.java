package io.aebridge.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class MetricsTest {
  @Test
  void binaryCrossEntropyMatchesHandComputedValues() {
    assertEquals(Math.log(2), Metrics.binaryCrossEntropy(new float[] {1, 0}, new float[] {0.5f, 0.5f}), 1e-12);
    // y=1,p=0.9 → −ln 0.9; y=0,p=0.2 → −ln 0.8; y=0.25,p=0.5 → ln 2 (soft targets count both terms).
    double expected = (-Math.log(0.9) - Math.log(0.8) + Math.log(2)) / 3;
    assertEquals(expected,
        Metrics.binaryCrossEntropy(new float[] {1, 0, 0.25f}, new float[] {0.9f, 0.2f, 0.5f}), 1e-7);
  }

  @Test
  void binaryCrossEntropyClipsPredictionsToEpsilon() {
    // p=0 for y=1 and p=1.3 (a PCA value above 1) for y=0 both become −ln(1e-7) instead of infinity.
    double clipped = -Math.log(Metrics.BCE_EPSILON);
    assertEquals(clipped, Metrics.binaryCrossEntropy(new float[] {1, 0}, new float[] {0f, 1.3f}), 1e-6);
    // A perfect prediction still pays −ln(1 − 1e-7) ≈ 1e-7.
    assertEquals(1e-7, Metrics.binaryCrossEntropy(new float[] {1}, new float[] {1f}), 1e-9);
  }

  @Test
  void meanSquaredErrorOverallAndPerSample() {
    float[] a = {0, 1, 2, 3};
    float[] b = {1, 1, 0, 3};
    assertEquals(5.0 / 4, Metrics.meanSquaredError(a, b), 1e-12);
    assertArrayEquals(new double[] {0.5, 2.0}, Metrics.meanSquaredErrorPerSample(a, b, 2), 1e-12);
    assertThrows(IllegalArgumentException.class, () -> Metrics.meanSquaredErrorPerSample(a, b, 3));
  }

  @Test
  void codeStatistics() {
    float[] codes = {-1, 2, -3, 0};
    assertEquals(1.5, Metrics.meanAbsolute(codes), 1e-12);
    assertEquals(0.5, Metrics.fractionAbove(codes, 1.5), 1e-12);
    assertEquals(2.5, Metrics.mean(new double[] {1, 4}), 1e-12);
  }

  @Test
  void clipCopiesAndBounds() {
    float[] values = {-0.5f, 0.3f, 1.7f};
    assertArrayEquals(new float[] {0f, 0.3f, 1f}, Metrics.clip(values, 0f, 1f));
    assertArrayEquals(new float[] {-0.5f, 0.3f, 1.7f}, values, "the input is not modified");
    assertThrows(IllegalArgumentException.class, () -> Metrics.clip(values, 1f, 0f));
  }

  @Test
  void mismatchedOrEmptyArraysAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Metrics.meanSquaredError(new float[2], new float[3]));
    assertEquals("Arrays differ in length: 2 vs 3", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Metrics.binaryCrossEntropy(new float[0], new float[0]));
    assertThrows(IllegalArgumentException.class, () -> Metrics.meanAbsolute(new float[0]));
  }
}
