package io.aebridge.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClassifiersTest {
  /** Ten clusters on a circle, one per label, small noise: every fair classifier gets them all right. */
  private static float[] clusters(int[] labels, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] x = new float[labels.length * 2];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = i % 10;
      double t = 2 * Math.PI * labels[i] / 10;
      x[2 * i] = (float) (10 * Math.cos(t) + r.nextGaussian() * 0.3);
      x[2 * i + 1] = (float) (10 * Math.sin(t) + r.nextGaussian() * 0.3);
    }
    return x;
  }

  @Test
  void logisticRegressionAndKnnSeparateSeparableClusters() {
    int[] y = new int[500];
    int[] yt = new int[200];
    float[] x = clusters(y, 1);
    float[] xt = clusters(yt, 2);
    assertEquals(1.0, Classifiers.knn(x, y, xt, yt, 2, 5).accuracy());
    Classifiers.Score lr = Classifiers.logisticRegression(x, y, xt, yt, 2, 60, 3);
    assertTrue(lr.accuracy() > 0.95, "accuracy " + lr.accuracy());
  }

  @Test
  void shuffledLabelsScoreNearChance() {
    int[] y = new int[500];
    int[] yt = new int[500];
    float[] x = clusters(y, 1);
    float[] xt = clusters(yt, 2);
    SplittableRandom r = new SplittableRandom(9);
    for (int i = 0; i < yt.length; i++) {
      yt[i] = r.nextInt(10);
    }
    assertTrue(Classifiers.knn(x, y, xt, yt, 2, 5).accuracy() < 0.25);
  }
}
