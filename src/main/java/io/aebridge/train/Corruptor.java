package io.aebridge.train;

import io.aebridge.spec.CorruptionSpec;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * Applies a denoising corruption to a batch in place, with its own seeded random stream so that the same seed gives
 * the same noise. Gaussian noise is clipped to the data's range {@code [low, high]} (Keras tutorial: [0,1]).
 * Not thread-safe.
 */
public final class Corruptor {
  private final CorruptionSpec spec;
  private final float low;
  private final float high;
  private final SplittableRandom random;
  // SplittableRandom has no nextGaussian on Java 17; a Random seeded from the stream supplies the normals.
  private final Random gaussian;

  public Corruptor(CorruptionSpec spec, float low, float high, long seed) {
    this.spec = spec;
    this.low = low;
    this.high = high;
    this.random = new SplittableRandom(seed);
    this.gaussian = new Random(random.nextLong());
  }

  /** Corrupts {@code values[0, length)} in place. */
  public void apply(float[] values, int length) {
    float amount = (float) spec.amount();
    switch (spec.type()) {
      case GAUSSIAN -> {
        for (int i = 0; i < length; i++) {
          float noisy = values[i] + amount * (float) gaussian.nextGaussian();
          values[i] = Math.max(low, Math.min(high, noisy));
        }
      }
      case MASKING -> {
        for (int i = 0; i < length; i++) {
          if (random.nextDouble() < amount) {
            values[i] = 0f;
          }
        }
      }
      case SALT_AND_PEPPER -> {
        for (int i = 0; i < length; i++) {
          if (random.nextDouble() < amount) {
            values[i] = random.nextBoolean() ? high : low;
          }
        }
      }
    }
  }
}
