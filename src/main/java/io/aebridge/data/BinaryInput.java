package io.aebridge.data;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Objects;
import java.util.zip.ZipException;

/**
 * A stream of a binary data file that knows its byte offset, so that every failure names the file and the byte
 * where it happened. Owns (and closes) the stream it wraps. Not thread-safe.
 */
final class BinaryInput implements Closeable {

  /** Largest array length every JVM allocates. */
  static final int MAX_ELEMENTS = Integer.MAX_VALUE - 8;

  private static final int CHUNK_BYTES = 1 << 16;

  private final InputStream in;
  private final Path path;
  private final String offsetSuffix;
  private long position;

  /**
   * @param in the stream, positioned at byte 0 of the data
   * @param path the file, for messages
   * @param decompressed whether the offsets count bytes of decompressed data rather than of the file
   */
  BinaryInput(InputStream in, Path path, boolean decompressed) {
    this.in = Objects.requireNonNull(in, "in");
    this.path = Objects.requireNonNull(path, "path");
    this.offsetSuffix = decompressed ? " of the decompressed data" : "";
  }

  Path path() {
    return path;
  }

  long position() {
    return position;
  }

  /** {@code "byte <offset>"}, with the decompressed-data note where it applies. */
  String at(long offset) {
    return "byte " + offset + offsetSuffix;
  }

  /** Reads exactly {@code n} bytes; a file that ends first gives the offset where it ended. */
  byte[] readBytes(int n, String what) throws IOException {
    byte[] bytes = new byte[n];
    readFully(bytes, n, position, n, what);
    return bytes;
  }

  /** Reads exactly {@code n} bytes into a buffer of the given byte order. */
  ByteBuffer read(int n, ByteOrder order, String what) throws IOException {
    return ByteBuffer.wrap(readBytes(n, what)).order(order);
  }

  /** Reads {@code count} elements of {@code type}, converting each to float. */
  float[] readFloats(int count, ElementType type, ByteOrder order, String what) throws IOException {
    float[] out = new float[count];
    readElements(count, type, order, what, (buffer, first, n) -> {
      for (int i = first; i < first + n; i++) {
        out[i] = type.readFloat(buffer);
      }
    });
    return out;
  }

  /** Reads {@code count} integer elements of {@code type}; a value outside the int range is an error. */
  int[] readInts(int count, ElementType type, ByteOrder order, String what) throws IOException {
    int[] out = new int[count];
    long start = position;
    readElements(count, type, order, what, (buffer, first, n) -> {
      for (int i = first; i < first + n; i++) {
        long value = type.readLong(buffer);
        if (value != (int) value) {
          throw new DataFormatException(path, at(start + (long) i * type.size),
              "values of " + what + " in the int range", Long.toString(value));
        }
        out[i] = (int) value;
      }
    });
    return out;
  }

  /** Decodes {@code n} elements from {@code buffer} into elements {@code first ..} of the output. */
  private interface ChunkDecoder {
    void decode(ByteBuffer buffer, int first, int n) throws DataFormatException;
  }

  /** Reads {@code count} elements chunk by chunk, so no second copy of the data is ever held as bytes. */
  private void readElements(int count, ElementType type, ByteOrder order, String what, ChunkDecoder decoder)
      throws IOException {
    long start = position;
    long total = (long) count * type.size;
    int perChunk = CHUNK_BYTES / type.size;
    byte[] chunk = new byte[(int) Math.min(CHUNK_BYTES, total)];
    ByteBuffer buffer = ByteBuffer.wrap(chunk).order(order);
    for (int done = 0, n; done < count; done += n) {
      n = Math.min(count - done, perChunk);
      readFully(chunk, n * type.size, start, total, what);
      buffer.clear();
      decoder.decode(buffer, done, n);
    }
  }

  /** Fails unless the data ends here: bytes beyond what the header describes mean the shape is wrong. */
  void expectEnd(String what) throws IOException {
    int next;
    try {
      next = in.read();
    } catch (EOFException | ZipException e) {
      throw corrupt(e);
    }
    if (next != -1) {
      throw new DataFormatException(path, at(position), "the end of the file after " + what,
          "more bytes (the header's shape does not match the file size)");
    }
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Reads {@code n} bytes into {@code dest}: part of {@code total} bytes of {@code what} from {@code start}. */
  private void readFully(byte[] dest, int n, long start, long total, String what) throws IOException {
    int off = 0;
    while (off < n) {
      int read;
      try {
        read = in.read(dest, off, n - off);
      } catch (EOFException | ZipException e) {
        throw corrupt(e);
      }
      if (read < 0) {
        long end = position;
        throw new DataFormatException(path, at(end),
            total + " bytes of " + what + " from byte " + start,
            (end - start) + " before the end of the data");
      }
      off += read;
      position += read;
    }
  }

  private DataFormatException corrupt(IOException e) {
    return new DataFormatException(path, at(position), "complete gzip data", e.getMessage(), e);
  }
}
