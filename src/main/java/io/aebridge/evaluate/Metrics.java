package io.aebridge.evaluate;

import java.util.Objects;

/**
 * Reconstruction and code statistics on row-major float arrays, accumulated in double. Stateless; every method
 * reads its arrays without modifying them. Mean values are per array element ("per value", "per pixel"), so they
 * compare directly with Keras's reported losses.
 */
public final class Metrics {
  /** Keras's {@code backend.epsilon()}: predictions are clipped to [ε, 1−ε] before the logarithms of BCE. */
  public static final double BCE_EPSILON = 1e-7;

  private Metrics() {}

  /**
   * Mean binary cross-entropy per value, {@code −mean[y·log p + (1−y)·log(1−p)]}, with each prediction first
   * clipped to {@code [ε, 1−ε]} ({@link #BCE_EPSILON}), as Keras does for probabilities. The clipping also brings
   * predictions outside [0,1] (a PCA reconstruction) into range; targets are used as given and should lie in [0,1].
   *
   * @param targets y, e.g. the clean held-out pixels
   * @param predictions p, same length
   */
  public static double binaryCrossEntropy(float[] targets, float[] predictions) {
    checkSameLength(targets, predictions);
    double sum = 0;
    for (int i = 0; i < targets.length; i++) {
      double p = Math.min(1 - BCE_EPSILON, Math.max(BCE_EPSILON, predictions[i]));
      double y = targets[i];
      sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    }
    return sum / targets.length;
  }

  /** Mean squared error per value (per pixel and channel), {@code mean[(a − b)²]}. */
  public static double meanSquaredError(float[] a, float[] b) {
    checkSameLength(a, b);
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      double diff = (double) a[i] - b[i];
      sum += diff * diff;
    }
    return sum / a.length;
  }

  /**
   * Mean squared error of each sample: {@code count} values, sample i being the mean over
   * {@code a[i·size, (i+1)·size)}.
   */
  public static double[] meanSquaredErrorPerSample(float[] a, float[] b, int count) {
    checkSameLength(a, b);
    if (count <= 0 || a.length % count != 0) {
      throw new IllegalArgumentException(
          "Cannot split " + a.length + " values into " + count + " samples of equal size");
    }
    int size = a.length / count;
    double[] out = new double[count];
    for (int s = 0; s < count; s++) {
      double sum = 0;
      for (int i = s * size; i < (s + 1) * size; i++) {
        double diff = (double) a[i] - b[i];
        sum += diff * diff;
      }
      out[s] = sum / size;
    }
    return out;
  }

  /**
   * Mean absolute value, e.g. the mean code activation {@code mean|h|} the Keras tutorial quotes for its sparse
   * autoencoder (3.3 with an L1 penalty vs 7.3 without).
   */
  public static double meanAbsolute(float[] values) {
    requireNonEmpty(values);
    double sum = 0;
    for (float v : values) {
      sum += Math.abs(v);
    }
    return sum / values.length;
  }

  /** Arithmetic mean. */
  public static double mean(double[] values) {
    Objects.requireNonNull(values, "values");
    if (values.length == 0) {
      throw new IllegalArgumentException("Cannot average an empty array");
    }
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum / values.length;
  }

  /** Fraction of values whose magnitude exceeds {@code threshold} (e.g. active code units). */
  public static double fractionAbove(float[] values, double threshold) {
    requireNonEmpty(values);
    long above = 0;
    for (float v : values) {
      if (Math.abs(v) > threshold) {
        above++;
      }
    }
    return (double) above / values.length;
  }

  /** A copy of {@code values} with each value clipped to {@code [low, high]}. */
  public static float[] clip(float[] values, float low, float high) {
    Objects.requireNonNull(values, "values");
    if (!(low <= high)) {
      throw new IllegalArgumentException("Clip range must have low ≤ high, found [" + low + ", " + high + "]");
    }
    float[] out = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Math.max(low, Math.min(high, values[i]));
    }
    return out;
  }

  private static void checkSameLength(float[] a, float[] b) {
    Objects.requireNonNull(a, "first array");
    Objects.requireNonNull(b, "second array");
    if (a.length != b.length) {
      throw new IllegalArgumentException("Arrays differ in length: " + a.length + " vs " + b.length);
    }
    if (a.length == 0) {
      throw new IllegalArgumentException("Cannot compare empty arrays");
    }
  }

  private static void requireNonEmpty(float[] values) {
    Objects.requireNonNull(values, "values");
    if (values.length == 0) {
      throw new IllegalArgumentException("Cannot average an empty array");
    }
  }
}
