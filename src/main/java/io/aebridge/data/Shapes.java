package io.aebridge.data;

import java.nio.file.Path;

/** Shape checks shared by the array readers (NPY, IDX). */
final class Shapes {

  private Shapes() {}

  /** The number of elements, checked to fit one Java array. */
  static int elementCount(long[] shape, Path path, String location) throws DataFormatException {
    long count = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new DataFormatException(path, location, "dimensions of at least 0", "shape " + format(shape));
      }
      count = dim == 0 ? 0 : (count > BinaryInput.MAX_ELEMENTS / dim ? Long.MAX_VALUE : count * dim);
    }
    if (count > BinaryInput.MAX_ELEMENTS) {
      throw new DataFormatException(path, location,
          "at most " + BinaryInput.MAX_ELEMENTS + " elements (one Java array)", "shape " + format(shape));
    }
    return (int) count;
  }

  /** {@code [8000, 28, 28]}. */
  static String format(long[] shape) {
    return java.util.Arrays.toString(shape);
  }

  /**
   * Wraps an array of samples as a dataset: {@code [N, D]} is {@code N × 1×D×1}, {@code [N, H, W]} is
   * {@code N × H×W×1}, {@code [N, H, W, C]} is kept. {@code values} is taken, not copied.
   */
  static Dataset images(float[] values, long[] shape, Path path, String location) throws DataFormatException {
    if (shape.length < 2 || shape.length > 4) {
      throw new DataFormatException(path, location,
          "an image or vector array of shape [N, D], [N, H, W] or [N, H, W, C]",
          "shape " + format(shape) + " (rank " + shape.length + ")");
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < (i == 0 ? 0 : 1) || shape[i] > BinaryInput.MAX_ELEMENTS) {
        throw new DataFormatException(path, location, "a sample count of at least 0 and positive sample dimensions",
            "shape " + format(shape));
      }
    }
    int count = (int) shape[0];
    int height = shape.length == 2 ? 1 : (int) shape[1];
    int width = (int) shape[shape.length == 2 ? 1 : 2];
    int channels = shape.length == 4 ? (int) shape[3] : 1;
    return new Dataset(values, count, height, width, channels, null, path.toString());
  }

  /** Scales uint8 values to [0,1] in place ({@code v / 255f}); values of other types stay as stored. */
  static float[] toUnitIntervalIfBytes(float[] values, ElementType type) {
    if (type == ElementType.UINT8) {
      for (int i = 0; i < values.length; i++) {
        values[i] /= 255f;
      }
    }
    return values;
  }

  /** The label count of a {@code [N]} or {@code [N, 1]} array. */
  static int labelCount(long[] shape, Path path, String location) throws DataFormatException {
    if (shape.length == 1 || (shape.length == 2 && shape[1] == 1)) {
      return elementCount(shape, path, location);
    }
    throw new DataFormatException(path, location, "a label array of shape [N] or [N, 1]",
        "shape " + format(shape));
  }
}
