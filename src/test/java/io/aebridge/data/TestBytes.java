package io.aebridge.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.function.Executable;

/** Builds binary test files by hand, independently of the writers under test, and checks format errors. */
final class TestBytes {

  private TestBytes() {}

  /** An NPY file: magic, version, header length, header dict padded to 64 bytes, data. */
  static byte[] npy(int major, String dict, byte[] data) {
    int lengthBytes = major == 1 ? 2 : 4;
    int unpadded = 8 + lengthBytes + dict.length() + 1;
    String header = dict + " ".repeat((64 - unpadded % 64) % 64) + "\n";
    ByteBuffer out = ByteBuffer.allocate(8 + lengthBytes + header.length() + data.length)
        .order(ByteOrder.LITTLE_ENDIAN);
    out.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    if (major == 1) {
      out.putShort((short) header.length());
    } else {
      out.putInt(header.length());
    }
    out.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
    return out.array();
  }

  /** A version 1.0 NPY file with a NumPy-style header. */
  static byte[] npy(String descr, String shape, byte[] data) {
    return npy(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }", data);
  }

  /** An IDX file: two zero bytes, type code, rank, big-endian dimensions, data. */
  static byte[] idx(int typeCode, int[] dims, byte[] data) {
    ByteBuffer out = ByteBuffer.allocate(4 + 4 * dims.length + data.length).order(ByteOrder.BIG_ENDIAN);
    out.put((byte) 0).put((byte) 0).put((byte) typeCode).put((byte) dims.length);
    for (int dim : dims) {
      out.putInt(dim);
    }
    return out.put(data).array();
  }

  /** {@code n} values {@code i * step + first}. */
  static float[] ramp(int n, float step, float first) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = i * step + first;
    }
    return out;
  }

  static byte[] floats(ByteOrder order, float... values) {
    ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(order);
    for (float v : values) {
      out.putFloat(v);
    }
    return out.array();
  }

  static byte[] doubles(ByteOrder order, double... values) {
    ByteBuffer out = ByteBuffer.allocate(values.length * 8).order(order);
    for (double v : values) {
      out.putDouble(v);
    }
    return out.array();
  }

  static byte[] ints(ByteOrder order, int... values) {
    ByteBuffer out = ByteBuffer.allocate(values.length * 4).order(order);
    for (int v : values) {
      out.putInt(v);
    }
    return out.array();
  }

  static byte[] longs(ByteOrder order, long... values) {
    ByteBuffer out = ByteBuffer.allocate(values.length * 8).order(order);
    for (long v : values) {
      out.putLong(v);
    }
    return out.array();
  }

  static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /**
   * Runs {@code read}, expects a {@link DataFormatException} for {@code file} at {@code location}, and checks that
   * the message names both and contains every one of {@code fragments}.
   */
  static DataFormatException assertFormatError(Path file, String location, Executable read, String... fragments) {
    DataFormatException e = assertThrows(DataFormatException.class, read);
    assertEquals(file, e.getPath());
    assertEquals(location, e.getLocation());
    String message = e.getMessage();
    assertTrue(message.startsWith(file + ": " + location + ": expected "), message);
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), () -> "missing '" + fragment + "' in: " + message);
    }
    return e;
  }
}
