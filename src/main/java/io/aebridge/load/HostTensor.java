package io.aebridge.load;

import java.util.Arrays;
import java.util.Objects;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A tensor in Java heap memory: a dtype, a shape and a row-major primitive array ({@code float[]} for
 * {@code DT_FLOAT}, {@code double[]} for {@code DT_DOUBLE}, {@code int[]} for {@code DT_INT32}, {@code long[]} for
 * {@code DT_INT64}). No native handle; immutable by convention (the array is not copied, do not modify it).
 */
public final class HostTensor {
  private final DataType dtype;
  private final long[] shape;
  private final Object data;

  private HostTensor(DataType dtype, long[] shape, Object data, int length) {
    this.dtype = dtype;
    this.shape = shape.clone();
    this.data = data;
    long size = elementCount(shape);
    if (size != length) {
      throw new IllegalArgumentException(
          "Shape " + Arrays.toString(shape) + " holds " + size + " values, found " + length);
    }
  }

  public static HostTensor ofFloats(long[] shape, float[] values) {
    return new HostTensor(DataType.DT_FLOAT, shape, Objects.requireNonNull(values), values.length);
  }

  public static HostTensor ofDoubles(long[] shape, double[] values) {
    return new HostTensor(DataType.DT_DOUBLE, shape, Objects.requireNonNull(values), values.length);
  }

  public static HostTensor ofInts(long[] shape, int[] values) {
    return new HostTensor(DataType.DT_INT32, shape, Objects.requireNonNull(values), values.length);
  }

  public static HostTensor ofLongs(long[] shape, long[] values) {
    return new HostTensor(DataType.DT_INT64, shape, Objects.requireNonNull(values), values.length);
  }

  /** Whether {@code dtype} can be held (and so fed or fetched) by this class. */
  public static boolean supports(DataType dtype) {
    return dtype == DataType.DT_FLOAT || dtype == DataType.DT_DOUBLE || dtype == DataType.DT_INT32
        || dtype == DataType.DT_INT64;
  }

  public DataType dtype() {
    return dtype;
  }

  public long[] shape() {
    return shape.clone();
  }

  public long elementCount() {
    return elementCount(shape);
  }

  /** The values as float32 (converted when the dtype is another numeric type). */
  public float[] floats() {
    if (data instanceof float[] f) {
      return f;
    }
    float[] out = new float[(int) elementCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) doubleAt(i);
    }
    return out;
  }

  /** The values as float64 (converted when the dtype is another numeric type). */
  public double[] doubles() {
    if (data instanceof double[] d) {
      return d;
    }
    double[] out = new double[(int) elementCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = doubleAt(i);
    }
    return out;
  }

  /** Value {@code i} in row-major order, widened to double. */
  public double doubleAt(int i) {
    if (data instanceof float[] f) {
      return f[i];
    } else if (data instanceof double[] d) {
      return d[i];
    } else if (data instanceof int[] n) {
      return n[i];
    }
    return ((long[]) data)[i];
  }

  /** The raw array: {@code float[]}, {@code double[]}, {@code int[]} or {@code long[]} by dtype. */
  public Object array() {
    return data;
  }

  /** This tensor converted to {@code target} (a copy unless the dtype already matches). */
  public HostTensor castTo(DataType target) {
    if (target == dtype) {
      return this;
    }
    return switch (target) {
      case DT_FLOAT -> ofFloats(shape, floats());
      case DT_DOUBLE -> ofDoubles(shape, doubles());
      case DT_INT32 -> {
        int[] out = new int[(int) elementCount()];
        for (int i = 0; i < out.length; i++) {
          out[i] = (int) doubleAt(i);
        }
        yield ofInts(shape, out);
      }
      case DT_INT64 -> {
        long[] out = new long[(int) elementCount()];
        for (int i = 0; i < out.length; i++) {
          out[i] = (long) doubleAt(i);
        }
        yield ofLongs(shape, out);
      }
      default -> throw new IllegalArgumentException("Cannot convert " + dtype + " to " + target);
    };
  }

  /** A new native tensor holding a copy of these values; the caller owns (closes) it. */
  public Tensor toTensor() {
    Shape s = Shape.of(shape);
    return switch (dtype) {
      case DT_FLOAT -> TFloat32.tensorOf(s, DataBuffers.of((float[]) data, true, false));
      case DT_DOUBLE -> TFloat64.tensorOf(s, DataBuffers.of((double[]) data, true, false));
      case DT_INT32 -> TInt32.tensorOf(s, DataBuffers.of((int[]) data, true, false));
      case DT_INT64 -> TInt64.tensorOf(s, DataBuffers.of((long[]) data, true, false));
      default -> throw new IllegalStateException("Unsupported dtype " + dtype);
    };
  }

  /** Copies a native tensor to the heap; the caller still owns (closes) {@code tensor}. */
  public static HostTensor copyOf(Tensor tensor) {
    long[] shape = tensor.shape().asArray();
    int n = (int) elementCount(shape);
    return switch (tensor.dataType()) {
      case DT_FLOAT -> {
        float[] out = new float[n];
        ((TFloat32) tensor).copyTo(DataBuffers.of(out, false, false));
        yield ofFloats(shape, out);
      }
      case DT_DOUBLE -> {
        double[] out = new double[n];
        ((TFloat64) tensor).copyTo(DataBuffers.of(out, false, false));
        yield ofDoubles(shape, out);
      }
      case DT_INT32 -> {
        int[] out = new int[n];
        ((TInt32) tensor).copyTo(DataBuffers.of(out, false, false));
        yield ofInts(shape, out);
      }
      case DT_INT64 -> {
        long[] out = new long[n];
        ((TInt64) tensor).copyTo(DataBuffers.of(out, false, false));
        yield ofLongs(shape, out);
      }
      default -> throw new IllegalArgumentException(
          "Output dtype " + tensor.dataType() + " is not supported; supported: DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64");
    };
  }

  static long elementCount(long[] shape) {
    long n = 1;
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " has a negative dimension");
      }
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  @Override
  public String toString() {
    return "HostTensor[" + dtype + " " + Arrays.toString(shape) + "]";
  }
}
