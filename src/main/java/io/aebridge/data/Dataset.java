package io.aebridge.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An in-memory set of samples, each a {@code height × width × channels} grid of floats stored row-major
 * (NHWC, channels last), the layout TensorFlow uses.
 *
 * <p>A flat vector dataset (e.g. CSV rows) is {@code 1 × features × 1}. Values are kept as given; readers
 * scale integer pixel formats to [0,1]. The backing array is owned by this record: callers must not mutate
 * it after construction, and {@link #values()} returns it without a copy so large sets are not duplicated.
 *
 * @param values row-major sample values, {@code count × height × width × channels} of them
 * @param count number of samples
 * @param height rows per sample
 * @param width columns per sample
 * @param channels channels per pixel (1 grey, 3 RGB)
 * @param labels optional class label per sample ({@code null} when unknown)
 * @param source where the data came from, for messages and model cards
 */
public record Dataset(float[] values, int count, int height, int width, int channels, int[] labels, String source) {

  public Dataset {
    Objects.requireNonNull(values, "values");
    Objects.requireNonNull(source, "source");
    if (count < 0 || height <= 0 || width <= 0 || channels <= 0) {
      throw new IllegalArgumentException(
          "Dataset dimensions must be positive, found count=" + count + " height=" + height + " width=" + width
              + " channels=" + channels);
    }
    long expected = (long) count * height * width * channels;
    if (values.length != expected) {
      throw new IllegalArgumentException(
          "Dataset " + source + " has " + values.length + " values, expected count×height×width×channels = "
              + expected);
    }
    if (labels != null && labels.length != count) {
      throw new IllegalArgumentException(
          "Dataset " + source + " has " + labels.length + " labels for " + count + " samples");
    }
  }

  /** A dataset of flat vectors ({@code 1 × features × 1}). */
  public static Dataset ofVectors(float[] values, int count, int features, String source) {
    return new Dataset(values, count, 1, features, 1, null, source);
  }

  /** Values per sample: {@code height × width × channels}. */
  public int sampleSize() {
    return height * width * channels;
  }

  /** The labels, when the source had them. */
  public Optional<int[]> labelsIfKnown() {
    return Optional.ofNullable(labels);
  }

  /** Copies sample {@code index} into {@code dest} at {@code offset}. */
  public void copySample(int index, float[] dest, int offset) {
    Objects.checkIndex(index, count);
    System.arraycopy(values, index * sampleSize(), dest, offset, sampleSize());
  }

  /** A new dataset holding the samples at {@code indices}, in that order. */
  public Dataset select(int[] indices, String newSource) {
    int size = sampleSize();
    float[] picked = new float[indices.length * size];
    int[] pickedLabels = labels == null ? null : new int[indices.length];
    for (int i = 0; i < indices.length; i++) {
      copySample(indices[i], picked, i * size);
      if (pickedLabels != null) {
        pickedLabels[i] = labels[indices[i]];
      }
    }
    return new Dataset(picked, indices.length, height, width, channels, pickedLabels, newSource);
  }

  /**
   * The samples of {@code parts}, one after the other; labels are kept when every part has them.
   *
   * @throws IllegalArgumentException when {@code parts} is empty or the parts' sample shapes differ
   */
  public static Dataset concat(List<Dataset> parts, String source) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("concat needs at least one dataset, found none");
    }
    Dataset first = parts.get(0);
    int total = 0;
    boolean labelled = true;
    for (Dataset part : parts) {
      if (part.height != first.height || part.width != first.width || part.channels != first.channels) {
        throw new IllegalArgumentException("concat needs samples of one shape, " + first.height + "×" + first.width
            + "×" + first.channels + " (" + first.source + "), found " + part.height + "×" + part.width + "×"
            + part.channels + " (" + part.source + ")");
      }
      total = Math.addExact(total, part.count);
      labelled &= part.labels != null;
    }
    float[] joined = new float[Math.multiplyExact(total, first.sampleSize())];
    int[] joinedLabels = labelled ? new int[total] : null;
    int at = 0;
    for (Dataset part : parts) {
      System.arraycopy(part.values, 0, joined, at * first.sampleSize(), part.values.length);
      if (joinedLabels != null) {
        System.arraycopy(part.labels, 0, joinedLabels, at, part.count);
      }
      at += part.count;
    }
    return new Dataset(joined, total, first.height, first.width, first.channels, joinedLabels, source);
  }

  /** The first {@code n} samples (all of them when {@code n >= count}). */
  public Dataset head(int n) {
    int[] indices = new int[Math.min(n, count)];
    Arrays.setAll(indices, i -> i);
    return select(indices, source + "[:" + indices.length + "]");
  }

  /** Smallest and largest value, or {@code [0,0]} when empty. */
  public float[] range() {
    if (values.length == 0) {
      return new float[] {0f, 0f};
    }
    float min = Float.POSITIVE_INFINITY;
    float max = Float.NEGATIVE_INFINITY;
    for (float v : values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    return new float[] {min, max};
  }

  /** True when every value lies in [0,1] — the condition for choosing binary cross-entropy. */
  public boolean isUnitInterval() {
    float[] r = range();
    return r[0] >= 0f && r[1] <= 1f;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Dataset d && count == d.count && height == d.height && width == d.width
        && channels == d.channels && Arrays.equals(values, d.values) && Arrays.equals(labels, d.labels);
  }

  @Override
  public int hashCode() {
    return Objects.hash(count, height, width, channels, Arrays.hashCode(values), Arrays.hashCode(labels));
  }

  @Override
  public String toString() {
    return "Dataset[" + source + ": " + count + " × " + height + "×" + width + "×" + channels + "]";
  }
}
