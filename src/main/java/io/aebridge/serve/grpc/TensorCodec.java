package io.aebridge.serve.grpc;

import com.google.protobuf.ByteString;
import io.aebridge.load.HostTensor;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.Texts;
import java.util.Arrays;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * {@link TensorProto} ⇄ {@link HostTensor}, as TensorFlow reads and writes them: either {@code tensor_content}
 * (little-endian, row-major) or the dtype's typed field ({@code float_val}, {@code double_val}, {@code int_val},
 * {@code int64_val}); with fewer typed values than the shape holds the last one fills the rest, with none the
 * tensor is zeros ({@code Tensor::FromProto}). Stateless.
 */
final class TensorCodec {
  private final long maxBytes;

  /** @param maxBytes the most bytes one decoded tensor may take (a broadcast value can declare any size) */
  TensorCodec(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /**
   * The tensor {@code p} describes.
   *
   * @param name the input's name, for messages
   * @throws ServingException INVALID_ARGUMENT naming what was expected
   */
  HostTensor decode(String name, TensorProto p) {
    String what = "Input '" + Texts.abbreviate(name) + "'";
    DataType dtype = p.getDtype();
    if (!HostTensor.supports(dtype)) {
      throw ServingException.invalid(what + " has dtype " + dtype + "; supported: " + HostTensor.SUPPORTED);
    }
    long[] shape = shape(what, p.getTensorShape());
    int n = elements(what, shape, HostTensor.byteSize(dtype));
    if (!p.getTensorContent().isEmpty()) {
      if (typedCount(p) > 0) {
        throw ServingException.invalid(what + " carries both tensor_content and typed values; send one");
      }
      ByteString content = p.getTensorContent();
      long want = (long) n * HostTensor.byteSize(dtype);
      if (content.size() != want) {
        throw ServingException.invalid(what + ": tensor_content holds " + content.size() + " bytes; shape "
            + Arrays.toString(shape) + " of " + dtype + " needs " + want);
      }
      return HostTensor.fromLittleEndian(dtype, shape, content.asReadOnlyByteBuffer());
    }
    String field = typedField(dtype);
    if (typedCount(p) != typedCount(p, dtype)) {
      throw ServingException.invalid(what + " is " + dtype + " but carries values in another field than "
          + field);
    }
    int given = typedCount(p, dtype);
    if (given > n) {
      throw ServingException.invalid(what + ": " + field + " holds " + given + " values; shape "
          + Arrays.toString(shape) + " holds " + n);
    }
    // TensorFlow's rule (Tensor::FromProto): the given values, then the last one repeated; zeros when none is
    // given. Primitive getters: the List views box every value.
    int last = given - 1;
    return switch (dtype) {
      case DT_FLOAT -> {
        float[] v = new float[n];
        for (int i = 0; given > 0 && i < n; i++) {
          v[i] = p.getFloatVal(Math.min(i, last));
        }
        yield HostTensor.ofFloats(shape, v);
      }
      case DT_DOUBLE -> {
        double[] v = new double[n];
        for (int i = 0; given > 0 && i < n; i++) {
          v[i] = p.getDoubleVal(Math.min(i, last));
        }
        yield HostTensor.ofDoubles(shape, v);
      }
      case DT_INT32 -> {
        int[] v = new int[n];
        for (int i = 0; given > 0 && i < n; i++) {
          v[i] = p.getIntVal(Math.min(i, last));
        }
        yield HostTensor.ofInts(shape, v);
      }
      default -> {
        long[] v = new long[n];
        for (int i = 0; given > 0 && i < n; i++) {
          v[i] = p.getInt64Val(Math.min(i, last));
        }
        yield HostTensor.ofLongs(shape, v);
      }
    };
  }

  /** {@code t} with its values in the typed field, as TF Serving answers ({@code AsProtoField}). */
  static TensorProto encode(HostTensor t) {
    TensorProto.Builder b = TensorProto.newBuilder().setDtype(t.dtype()).setTensorShape(shapeProto(t.shape()));
    switch (t.dtype()) {
      case DT_FLOAT -> {
        for (float v : (float[]) t.array()) {
          b.addFloatVal(v);
        }
      }
      case DT_DOUBLE -> {
        for (double v : (double[]) t.array()) {
          b.addDoubleVal(v);
        }
      }
      case DT_INT32 -> {
        for (int v : (int[]) t.array()) {
          b.addIntVal(v);
        }
      }
      case DT_INT64 -> {
        for (long v : (long[]) t.array()) {
          b.addInt64Val(v);
        }
      }
      default -> throw new IllegalStateException("HostTensor of " + t.dtype());
    }
    return b.build();
  }

  static TensorShapeProto shapeProto(long[] shape) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    if (shape == null) {
      return s.setUnknownRank(true).build();
    }
    for (long d : shape) {
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return s.build();
  }

  private static long[] shape(String what, TensorShapeProto s) {
    if (s.getUnknownRank()) {
      throw ServingException.invalid(what + " has an unknown rank; send its shape");
    }
    long[] shape = new long[s.getDimCount()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = s.getDim(i).getSize();
      if (shape[i] < 0) {
        throw ServingException.invalid(what + " has dimension " + i + " of size " + shape[i] + "; sizes are at "
            + "least 0");
      }
    }
    return shape;
  }

  /** The element count of {@code shape}, refused when it overflows or the tensor would pass {@link #maxBytes}. */
  int elements(String what, long[] shape, int bytesPerValue) {
    long n = 1;
    for (long d : shape) {
      if (d != 0 && n > Long.MAX_VALUE / d) {
        n = Long.MAX_VALUE;
        break;
      }
      n *= d;
    }
    if (n > Integer.MAX_VALUE - 8 || n * bytesPerValue > maxBytes) {
      throw ServingException.invalid(what + " declares shape " + Arrays.toString(shape) + " (" + n + " values), "
          + "more than the " + maxBytes + " bytes one tensor may take (limits.maxBodyBytes)");
    }
    return (int) n;
  }

  private static String typedField(DataType dtype) {
    return switch (dtype) {
      case DT_FLOAT -> "float_val";
      case DT_DOUBLE -> "double_val";
      case DT_INT32 -> "int_val";
      default -> "int64_val";
    };
  }

  private static int typedCount(TensorProto p, DataType dtype) {
    return switch (dtype) {
      case DT_FLOAT -> p.getFloatValCount();
      case DT_DOUBLE -> p.getDoubleValCount();
      case DT_INT32 -> p.getIntValCount();
      default -> p.getInt64ValCount();
    };
  }

  /** Values in any typed field. */
  private static int typedCount(TensorProto p) {
    return p.getFloatValCount() + p.getDoubleValCount() + p.getIntValCount() + p.getInt64ValCount()
        + p.getHalfValCount() + p.getStringValCount() + p.getBoolValCount() + p.getUint32ValCount()
        + p.getUint64ValCount() + p.getScomplexValCount() + p.getDcomplexValCount()
        + p.getResourceHandleValCount() + p.getVariantValCount();
  }
}
