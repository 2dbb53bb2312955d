package io.aebridge;

import io.aebridge.data.Dataset;
import java.util.SplittableRandom;

/** Small synthetic image sets for tests that must not depend on downloaded data. */
public final class TestData {
  private TestData() {}

  /**
   * {@code count} images of {@code side × side × channels} in [0,1]: each a bright horizontal or vertical bar at
   * a random position on a dim noisy background, so an autoencoder has structure to learn.
   */
  public static Dataset bars(int count, int side, int channels, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] values = new float[count * side * side * channels];
    int[] labels = new int[count];
    for (int n = 0; n < count; n++) {
      boolean horizontal = random.nextBoolean();
      int position = random.nextInt(side);
      labels[n] = horizontal ? 0 : 1;
      for (int r = 0; r < side; r++) {
        for (int c = 0; c < side; c++) {
          boolean on = horizontal ? Math.abs(r - position) <= 1 : Math.abs(c - position) <= 1;
          for (int ch = 0; ch < channels; ch++) {
            float v = on ? 0.8f + 0.2f * (float) random.nextDouble() : 0.1f * (float) random.nextDouble();
            values[((n * side + r) * side + c) * channels + ch] = v;
          }
        }
      }
    }
    return new Dataset(values, count, side, side, channels, labels, "bars(" + count + ", seed " + seed + ")");
  }
}
