package io.aebridge.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.data.Dataset;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PcaTest {
  private static final int SIDE = 8;
  private static final int DIM = SIDE * SIDE;

  /**
   * {@code count} samples {@code offset + Σ_r z_r·s_r·b_r (+ noise·N(0,1) per value)}: rank {@code scales.length}
   * around the offset when {@code noise} is 0, with well separated variances when the scales are. The directions
   * {@code b_r} depend only on the rank, so sets drawn with different seeds share them.
   */
  private static Dataset lowRank(int count, double[] scales, double noise, long seed) {
    int rank = scales.length;
    Random directions = new Random(1000 + rank);
    double[][] basis = new double[rank][DIM];
    for (double[] row : basis) {
      for (int i = 0; i < DIM; i++) {
        row[i] = directions.nextGaussian() / Math.sqrt(DIM);
      }
    }
    Random random = new Random(seed);
    float[] values = new float[count * DIM];
    for (int n = 0; n < count; n++) {
      double[] z = new double[rank];
      for (int r = 0; r < rank; r++) {
        z[r] = random.nextGaussian() * scales[r];
      }
      for (int i = 0; i < DIM; i++) {
        double v = 0.5 + 0.01 * i;
        for (int r = 0; r < rank; r++) {
          v += z[r] * basis[r][i];
        }
        values[n * DIM + i] = (float) (v + noise * random.nextGaussian());
      }
    }
    return new Dataset(values, count, SIDE, SIDE, 1, null, "lowRank(" + rank + ", seed " + seed + ")");
  }

  @Test
  void reconstructsLowRankDataExactlyWithKEqualToRankAndWorseWithFewer() {
    Dataset train = lowRank(300, new double[] {3, 2, 1.5, 1}, 0, 1);
    Dataset test = lowRank(100, new double[] {3, 2, 1.5, 1}, 0, 11);
    Pca exact = Pca.fit(train, 4);
    double variancePerValue = exact.totalVariance() / DIM;
    double exactMse = Metrics.meanSquaredError(test.values(), exact.reconstruct(test));
    assertTrue(exactMse < 1e-9 * variancePerValue + 1e-12, "k = rank: MSE " + exactMse);
    assertEquals(1.0, exact.explainedVarianceRatio(), 1e-9);

    Pca fewer = Pca.fit(train, 3);
    double fewerMse = Metrics.meanSquaredError(test.values(), fewer.reconstruct(test));
    assertTrue(fewerMse > 1e-3 * variancePerValue, "k < rank: MSE " + fewerMse);
    assertTrue(fewer.explainedVarianceRatio() < 0.99, "k < rank explains " + fewer.explainedVarianceRatio());
  }

  @Test
  void trainingErrorEqualsTheDiscardedVariance() {
    Dataset train = lowRank(400, new double[] {4, 3, 2, 1, 0.5}, 0.05, 2);
    int n = train.count();
    for (int k : new int[] {1, 3, 10}) {
      Pca pca = Pca.fit(train, k);
      double kept = 0;
      for (double v : pca.explainedVariance()) {
        kept += v;
      }
      // Σ‖x − x̂‖² over the training set = (n − 1)·Σ_discarded λ, so per value it is that / (n·d).
      double expected = (pca.totalVariance() - kept) * (n - 1) / ((double) n * DIM);
      double mse = Metrics.meanSquaredError(train.values(), pca.reconstruct(train));
      assertEquals(expected, mse, 1e-4 * expected, "k = " + k);
    }
  }

  @Test
  void componentsMatchPowerIterationOnTheCovariance() {
    Dataset train = lowRank(500, new double[] {5, 3, 2}, 0.05, 3);
    Pca pca = Pca.fit(train, 3);
    double[][] covariance = covariance(train);
    double[] variances = pca.explainedVariance();
    for (int i = 0; i < 3; i++) {
      double[] reference = powerIteration(covariance, 2000, i);
      double lambda = rayleigh(covariance, reference);
      assertEquals(lambda, variances[i], 1e-6 * lambda, "eigenvalue " + i);
      double[] component = pca.component(i);
      double dot = 0;
      double norm = 0;
      for (int d = 0; d < DIM; d++) {
        dot += component[d] * reference[d];
        norm += component[d] * component[d];
      }
      assertEquals(1.0, norm, 1e-9, "component " + i + " has unit length");
      assertEquals(1.0, Math.abs(dot), 1e-6, "component " + i + " is parallel to the power-iteration vector");
      // Deflate so the next power iteration finds the next eigenvector.
      for (int r = 0; r < DIM; r++) {
        for (int c = 0; c < DIM; c++) {
          covariance[r][c] -= lambda * reference[r] * reference[c];
        }
      }
    }
    double[] mean = pca.mean();
    for (int d = 0; d < DIM; d++) {
      double sum = 0;
      for (int s = 0; s < train.count(); s++) {
        sum += train.values()[s * DIM + d];
      }
      assertEquals(sum / train.count(), mean[d], 1e-6);
    }
  }

  @Test
  void projectionHasTheComponentVariances() {
    Dataset train = lowRank(400, new double[] {4, 2}, 0.01, 4);
    Pca pca = Pca.fit(train, 2);
    float[] codes = pca.project(train);
    assertEquals(train.count() * 2, codes.length);
    for (int j = 0; j < 2; j++) {
      double sum = 0;
      double squares = 0;
      for (int s = 0; s < train.count(); s++) {
        sum += codes[s * 2 + j];
        squares += (double) codes[s * 2 + j] * codes[s * 2 + j];
      }
      assertEquals(0, sum / train.count(), 1e-4, "codes are centred");
      assertEquals(pca.explainedVariance()[j], squares / (train.count() - 1), 1e-4 * pca.explainedVariance()[j]);
    }
  }

  @Test
  void rejectsBadArguments() {
    Dataset train = lowRank(10, new double[] {1}, 0, 5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Pca.fit(train, 0));
    assertTrue(e.getMessage().contains("found 0"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Pca.fit(train, DIM + 1));
    assertThrows(IllegalArgumentException.class, () -> Pca.fit(train.head(1), 1));
    Pca pca = Pca.fit(train, 1);
    Dataset other = Dataset.ofVectors(new float[10], 2, 5, "vectors");
    assertThrows(IllegalArgumentException.class, () -> pca.project(other));
  }

  private static double[][] covariance(Dataset data) {
    int n = data.count();
    double[] mean = new double[DIM];
    for (int s = 0; s < n; s++) {
      for (int d = 0; d < DIM; d++) {
        mean[d] += data.values()[s * DIM + d] / (double) n;
      }
    }
    double[][] c = new double[DIM][DIM];
    for (int s = 0; s < n; s++) {
      for (int r = 0; r < DIM; r++) {
        double xr = data.values()[s * DIM + r] - mean[r];
        for (int q = 0; q < DIM; q++) {
          c[r][q] += xr * (data.values()[s * DIM + q] - mean[q]) / (n - 1);
        }
      }
    }
    return c;
  }

  private static double[] powerIteration(double[][] m, int iterations, long seed) {
    Random random = new Random(seed);
    double[] v = new double[DIM];
    for (int i = 0; i < DIM; i++) {
      v[i] = random.nextGaussian();
    }
    for (int it = 0; it < iterations; it++) {
      double[] next = new double[DIM];
      for (int r = 0; r < DIM; r++) {
        for (int c = 0; c < DIM; c++) {
          next[r] += m[r][c] * v[c];
        }
      }
      double norm = 0;
      for (double x : next) {
        norm += x * x;
      }
      norm = Math.sqrt(norm);
      for (int i = 0; i < DIM; i++) {
        v[i] = next[i] / norm;
      }
    }
    return v;
  }

  private static double rayleigh(double[][] m, double[] v) {
    double sum = 0;
    for (int r = 0; r < DIM; r++) {
      for (int c = 0; c < DIM; c++) {
        sum += v[r] * m[r][c] * v[c];
      }
    }
    return sum;
  }
}
