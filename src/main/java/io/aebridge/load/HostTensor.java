package io.aebridge.load;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
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

  /** The dtypes this class holds, for messages. */
  public static final String SUPPORTED = "DT_FLOAT, DT_DOUBLE, DT_INT32, DT_INT64";

  /**
   * A tensor of {@code dtype} over {@code array}, which must be that dtype's array type (not copied).
   *
   * @throws IllegalArgumentException for a dtype this class does not hold or an array of another type
   */
  public static HostTensor of(DataType dtype, long[] shape, Object array) {
    return switch (dtype) {
      case DT_FLOAT -> ofFloats(shape, cast(array, float[].class, dtype));
      case DT_DOUBLE -> ofDoubles(shape, cast(array, double[].class, dtype));
      case DT_INT32 -> ofInts(shape, cast(array, int[].class, dtype));
      case DT_INT64 -> ofLongs(shape, cast(array, long[].class, dtype));
      default -> throw unsupported(dtype);
    };
  }

  private static <T> T cast(Object array, Class<T> type, DataType dtype) {
    if (!type.isInstance(array)) {
      throw new IllegalArgumentException(dtype + " needs a " + type.getSimpleName() + ", found "
          + (array == null ? "null" : array.getClass().getSimpleName()));
    }
    return type.cast(array);
  }

  private static IllegalArgumentException unsupported(DataType dtype) {
    return new IllegalArgumentException("Dtype " + dtype + " is not supported; supported: " + SUPPORTED);
  }

  /** A new zero-filled array of {@code n} values of {@code dtype}. */
  private static Object newArray(DataType dtype, int n) {
    return switch (dtype) {
      case DT_FLOAT -> new float[n];
      case DT_DOUBLE -> new double[n];
      case DT_INT32 -> new int[n];
      case DT_INT64 -> new long[n];
      default -> throw unsupported(dtype);
    };
  }

  /** Bytes per value of {@code dtype}: 4 or 8. */
  public static int byteSize(DataType dtype) {
    return switch (dtype) {
      case DT_FLOAT, DT_INT32 -> 4;
      case DT_DOUBLE, DT_INT64 -> 8;
      default -> throw unsupported(dtype);
    };
  }

  /**
   * Reads {@code dtype} values in little-endian order from {@code bytes} (its remaining bytes, which must be exactly
   * {@code shape}'s element count times {@link #byteSize}); the buffer's position is left unchanged.
   *
   * @throws IllegalArgumentException when the byte count does not match the shape, or for an unsupported dtype
   */
  public static HostTensor fromLittleEndian(DataType dtype, long[] shape, ByteBuffer bytes) {
    long n = elementCount(shape);
    int size = byteSize(dtype);
    if (n * size != bytes.remaining()) {
      throw new IllegalArgumentException("Shape " + Arrays.toString(shape) + " of " + dtype + " needs " + n * size
          + " bytes, found " + bytes.remaining());
    }
    ByteBuffer le = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
    Object out = newArray(dtype, (int) n);
    switch (dtype) {
      case DT_FLOAT -> le.asFloatBuffer().get((float[]) out);
      case DT_DOUBLE -> le.asDoubleBuffer().get((double[]) out);
      case DT_INT32 -> le.asIntBuffer().get((int[]) out);
      case DT_INT64 -> le.asLongBuffer().get((long[]) out);
      default -> throw unsupported(dtype);
    }
    return of(dtype, shape, out);
  }

  /** The values in row-major order as little-endian bytes (what tensor_content and V2 binary data carry). */
  public byte[] toLittleEndian() {
    int n = (int) elementCount();
    ByteBuffer le = ByteBuffer.allocate(n * byteSize(dtype)).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case DT_FLOAT -> le.asFloatBuffer().put((float[]) data);
      case DT_DOUBLE -> le.asDoubleBuffer().put((double[]) data);
      case DT_INT32 -> le.asIntBuffer().put((int[]) data);
      case DT_INT64 -> le.asLongBuffer().put((long[]) data);
      default -> throw unsupported(dtype);
    }
    return le.array();
  }

  /**
   * Stacks {@code parts} along dimension 0: all of one dtype, each of rank ≥ 1, with equal non-batch dimensions.
   *
   * @throws IllegalArgumentException when they disagree
   */
  public static HostTensor concat(List<HostTensor> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("Nothing to concatenate");
    }
    HostTensor first = parts.get(0);
    long[] shape = first.shape();
    if (shape.length == 0) {
      throw new IllegalArgumentException("Cannot concatenate scalars");
    }
    long rows = 0;
    long total = 0;
    for (HostTensor t : parts) {
      if (t.dtype != first.dtype || t.shape.length != shape.length
          || !Arrays.equals(t.shape, 1, t.shape.length, shape, 1, shape.length)) {
        throw new IllegalArgumentException("Cannot concatenate " + t + " with " + first);
      }
      rows += t.shape[0];
      total += t.elementCount();
    }
    shape[0] = rows;
    Object out = newArray(first.dtype, Math.toIntExact(total));
    int offset = 0;
    for (HostTensor t : parts) {
      int n = (int) t.elementCount();
      System.arraycopy(t.data, 0, out, offset, n);
      offset += n;
    }
    return of(first.dtype, shape, out);
  }

  /**
   * Rows {@code [from, from + count)} along dimension 0, as a copy.
   *
   * @throws IndexOutOfBoundsException when they are not all inside this tensor
   */
  public HostTensor rows(int from, int count) {
    if (shape.length == 0 || from < 0 || count < 0 || from + (long) count > shape[0]) {
      throw new IndexOutOfBoundsException("Rows [" + from + ", " + (from + (long) count) + ") of " + this);
    }
    long rowSize = shape[0] == 0 ? 0 : elementCount() / shape[0];
    long[] out = shape.clone();
    out[0] = count;
    int n = (int) (rowSize * count);
    Object values = newArray(dtype, n);
    System.arraycopy(data, (int) (rowSize * from), values, 0, n);
    return of(dtype, out, values);
  }

  /** The same values under another shape with as many elements (the array is shared). */
  public HostTensor reshape(long[] newShape) {
    return of(dtype, newShape, data);
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
    } else if (data instanceof long[] l) {
      return l[i];
    }
    throw unsupported(dtype);
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
      default -> throw unsupported(target);
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
      default -> throw unsupported(dtype);
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
      default -> throw unsupported(tensor.dataType());
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
