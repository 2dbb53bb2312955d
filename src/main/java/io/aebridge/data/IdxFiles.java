package io.aebridge.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX format of the original MNIST distribution ({@code train-images-idx3-ubyte} and friends).
 *
 * <p>An IDX file starts with a magic number (two zero bytes, a type code, the rank), then one big-endian int32 per
 * dimension, then the big-endian elements in C order. Type codes: {@code 0x08} ubyte, {@code 0x09} byte,
 * {@code 0x0B} short, {@code 0x0C} int, {@code 0x0D} float, {@code 0x0E} double. A name ending in {@code .gz} is
 * decompressed on the fly; byte offsets in errors then count decompressed bytes. Stateless and thread-safe.
 */
public final class IdxFiles {

  private static final int BUFFER_BYTES = 1 << 16;

  private IdxFiles() {}

  /**
   * Reads an image array as a dataset with no labels: shape {@code [N, H, W]} gives {@code N} samples of
   * {@code H×W×1} ({@code [N, D]} and {@code [N, H, W, C]} are read too). Ubyte pixels are scaled by 1/255 to
   * [0,1]; other types are converted to float as stored. The dataset's source is {@code file} as given.
   *
   * @throws DataFormatException when the file is not such an IDX array, or ends early
   */
  public static Dataset readImages(Path file) throws IOException {
    try (BinaryInput in = open(file)) {
      Header header = readHeader(in);
      int count = Shapes.elementCount(header.shape, file, in.at(3));
      String what = header.describe();
      float[] values = in.readFloats(count, header.type, ByteOrder.BIG_ENDIAN, what);
      in.expectEnd(what);
      Shapes.toUnitIntervalIfBytes(values, header.type);
      return Shapes.images(values, header.shape, file, in.at(3));
    }
  }

  /**
   * Reads class labels from an integer IDX array of rank 1 ({@code train-labels-idx1-ubyte}).
   *
   * @return a new array of labels, owned by the caller
   * @throws DataFormatException when the file is not such an array, or ends early
   */
  public static int[] readLabels(Path file) throws IOException {
    try (BinaryInput in = open(file)) {
      Header header = readHeader(in);
      if (!header.type.isInteger()) {
        throw new DataFormatException(file, in.at(2), "an integer type code for labels (0x08, 0x09, 0x0B or 0x0C)",
            String.format("0x%02x (%s)", header.code, header.type));
      }
      int count = Shapes.labelCount(header.shape, file, in.at(3));
      String what = header.describe();
      int[] labels = in.readInts(count, header.type, ByteOrder.BIG_ENDIAN, what);
      in.expectEnd(what);
      return labels;
    }
  }

  private record Header(ElementType type, int code, long[] shape) {
    String describe() {
      return type + " data for shape " + Shapes.format(shape);
    }
  }

  private static BinaryInput open(Path file) throws IOException {
    boolean gzip = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gz");
    InputStream raw = Files.newInputStream(file);
    try {
      InputStream in = gzip ? new GZIPInputStream(raw, BUFFER_BYTES) : new BufferedInputStream(raw, BUFFER_BYTES);
      return new BinaryInput(in, file, gzip);
    } catch (ZipException | EOFException e) {
      raw.close();
      throw new DataFormatException(file, "byte 0", "gzip data (the name ends in .gz)",
          String.valueOf(e.getMessage()), e);
    } catch (IOException | RuntimeException e) {
      raw.close();
      throw e;
    }
  }

  private static Header readHeader(BinaryInput in) throws IOException {
    int magic = in.read(4, ByteOrder.BIG_ENDIAN, "IDX magic").getInt();
    int code = (magic >>> 8) & 0xFF;
    ElementType type = (magic >>> 16) == 0 ? typeOf(code) : null;
    if (type == null) {
      throw new DataFormatException(in.path(), in.at(0),
          "IDX magic 0x00000803 or 0x00000801 (first two bytes zero, type code, rank)",
          String.format("0x%08x", magic));
    }
    int rank = magic & 0xFF;
    if (rank == 0) {
      throw new DataFormatException(in.path(), in.at(3), "a rank of at least 1", "0");
    }
    ByteBuffer dims = in.read(4 * rank, ByteOrder.BIG_ENDIAN, rank + " IDX dimensions");
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) {
      int dim = dims.getInt();
      if (dim < 0) {
        throw new DataFormatException(in.path(), in.at(4 + 4L * i), "a dimension below 2^31",
            Integer.toUnsignedString(dim));
      }
      shape[i] = dim;
    }
    return new Header(type, code, shape);
  }

  private static ElementType typeOf(int code) {
    return switch (code) {
      case 0x08 -> ElementType.UINT8;
      case 0x09 -> ElementType.INT8;
      case 0x0B -> ElementType.INT16;
      case 0x0C -> ElementType.INT32;
      case 0x0D -> ElementType.FLOAT32;
      case 0x0E -> ElementType.FLOAT64;
      default -> null;
    };
  }
}
