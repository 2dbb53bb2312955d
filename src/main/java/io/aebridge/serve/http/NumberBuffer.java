package io.aebridge.serve.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.aebridge.load.HostTensor;
import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import java.io.IOException;
import java.util.Arrays;
import org.tensorflow.proto.DataType;

/**
 * Numbers parsed from JSON, stored straight into a growable primitive array (no boxing): {@code float[]} when the
 * target is {@code DT_FLOAT}, {@code double[]} for {@code DT_DOUBLE}, {@code long[]} for integer targets. With no
 * known target it keeps {@code long[]} until the first non-integer, then switches to {@code double[]}. Not
 * thread-safe; one per tensor being parsed.
 */
final class NumberBuffer {
  enum Mode { FLOAT, DOUBLE, LONG }

  private final DataType hint;
  private Mode mode;
  private float[] floats;
  private double[] doubles;
  private long[] longs;
  private int size;

  /**
   * @param hint the dtype the values will become, or {@code null} if not known yet
   * @param capacity initial capacity (the exact count when the shape is known)
   */
  NumberBuffer(DataType hint, int capacity) {
    this.hint = hint;
    int c = Math.max(16, capacity);
    if (hint == DataType.DT_FLOAT) {
      mode = Mode.FLOAT;
      floats = new float[c];
    } else if (hint == DataType.DT_DOUBLE) {
      mode = Mode.DOUBLE;
      doubles = new double[c];
    } else {
      mode = Mode.LONG;
      longs = new long[c];
    }
  }

  Mode mode() {
    return mode;
  }

  int size() {
    return size;
  }

  /** Appends the number at the parser's current token ({@code VALUE_NUMBER_INT} or {@code VALUE_NUMBER_FLOAT}). */
  void add(JsonParser p, String input) throws IOException {
    JsonToken t = p.currentToken();
    switch (mode) {
      case FLOAT -> {
        if (size == floats.length) {
          floats = Arrays.copyOf(floats, grow(size));
        }
        float f = p.getFloatValue();
        if (Float.isInfinite(f)) {
          checkInRange(p, input, "DT_FLOAT");
        }
        floats[size++] = f;
      }
      case DOUBLE -> {
        if (size == doubles.length) {
          doubles = Arrays.copyOf(doubles, grow(size));
        }
        double d = p.getDoubleValue();
        if (Double.isInfinite(d)) {
          checkInRange(p, input, "DT_DOUBLE");
        }
        doubles[size++] = d;
      }
      case LONG -> {
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
          if (hint == DataType.DT_INT32 || hint == DataType.DT_INT64) {
            throw ServingException.invalid("Input '" + input + "' is " + hint + ": expected an integer, found "
                + p.getText() + TensorJson.at(p));
          }
          toDoubles();
          add(p, input);
          return;
        }
        if (size == longs.length) {
          longs = Arrays.copyOf(longs, grow(size));
        }
        longs[size++] = p.getLongValue();
      }
      default -> throw new IllegalStateException();
    }
  }

  /**
   * Refuses a number literal too big for {@code dtype} (such as {@code 1e999}, or {@code 1e39} as a float), which
   * would otherwise become Infinity without a word; the bare tokens {@code Infinity} and {@code -Infinity} stay
   * accepted, as TF Serving accepts them.
   */
  private static void checkInRange(JsonParser p, String input, String dtype) throws IOException {
    String text = p.getText();
    if (text.chars().anyMatch(Character::isDigit)) {
      throw ServingException.invalid("Input '" + input + "' is " + dtype + ": the number " + TensorJson.abbreviate(text)
          + TensorJson.at(p) + " is out of range (write Infinity if you mean it)");
    }
  }

  private void toDoubles() {
    doubles = new double[Math.max(16, longs.length)];
    for (int i = 0; i < size; i++) {
      doubles[i] = longs[i];
    }
    longs = null;
    mode = Mode.DOUBLE;
  }

  private static int grow(int size) {
    long next = Math.max(16L, size + (long) (size >> 1) + 16);
    if (next > Integer.MAX_VALUE - 16) {
      throw new ServingException(ErrorCode.RESOURCE_EXHAUSTED, "Too many values in one tensor");
    }
    return (int) next;
  }

  /** The dtype these numbers read as when no signature says: DT_FLOAT, DT_DOUBLE or DT_INT64 by storage. */
  DataType naturalDtype() {
    return switch (mode) {
      case FLOAT -> DataType.DT_FLOAT;
      case DOUBLE -> DataType.DT_DOUBLE;
      case LONG -> DataType.DT_INT64;
    };
  }

  /** Whether converting to {@code target} could lose what the JSON said (then the body is parsed again). */
  boolean lossyFor(DataType target) {
    return mode == Mode.FLOAT && target != DataType.DT_FLOAT;
  }

  /**
   * The values as a tensor of {@code target} dtype and {@code shape}.
   *
   * @throws ServingException INVALID_ARGUMENT when a value does not fit the dtype
   */
  HostTensor toTensor(long[] shape, DataType target, String input) {
    long expected = 1;
    for (long d : shape) {
      expected = d < 0 || expected > Integer.MAX_VALUE ? -1 : expected * d;
    }
    if (expected != size) {
      throw ServingException.invalid("Input '" + input + "' has shape " + Arrays.toString(shape) + " (" + expected
          + " values) but " + size + " values were given; nested lists must be regular (no empty lists beside "
          + "full ones)");
    }
    return switch (target) {
      case DT_FLOAT -> HostTensor.ofFloats(shape, floatValues());
      case DT_DOUBLE -> HostTensor.ofDoubles(shape, doubleValues());
      case DT_INT64 -> HostTensor.ofLongs(shape, longValues(input, target));
      case DT_INT32 -> {
        long[] l = longValues(input, target);
        int[] out = new int[size];
        for (int i = 0; i < size; i++) {
          if (l[i] < Integer.MIN_VALUE || l[i] > Integer.MAX_VALUE) {
            throw ServingException.invalid("Input '" + input + "' is DT_INT32: value " + l[i] + " (element " + i
                + ") is out of range");
          }
          out[i] = (int) l[i];
        }
        yield HostTensor.ofInts(shape, out);
      }
      default -> throw ServingException.invalid("Input '" + input + "' has dtype " + target + ", which this server "
          + "cannot feed; supported: " + HostTensor.SUPPORTED);
    };
  }

  private float[] floatValues() {
    return switch (mode) {
      case FLOAT -> size == floats.length ? floats : Arrays.copyOf(floats, size);
      case DOUBLE -> {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
          out[i] = (float) doubles[i];
        }
        yield out;
      }
      case LONG -> {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) {
          out[i] = longs[i];
        }
        yield out;
      }
    };
  }

  private double[] doubleValues() {
    return switch (mode) {
      case DOUBLE -> size == doubles.length ? doubles : Arrays.copyOf(doubles, size);
      case FLOAT -> {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
          out[i] = floats[i];
        }
        yield out;
      }
      case LONG -> {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
          out[i] = longs[i];
        }
        yield out;
      }
    };
  }

  private long[] longValues(String input, DataType target) {
    if (mode == Mode.LONG) {
      return size == longs.length ? longs : Arrays.copyOf(longs, size);
    }
    long[] out = new long[size];
    for (int i = 0; i < size; i++) {
      double v = mode == Mode.FLOAT ? floats[i] : doubles[i];
      if (v != Math.rint(v) || Double.isInfinite(v) || Math.abs(v) > 9.007199254740992E15) {
        throw ServingException.invalid("Input '" + input + "' is " + target + ": expected integers, found " + v
            + " (element " + i + ")");
      }
      out[i] = (long) v;
    }
    return out;
  }
}
