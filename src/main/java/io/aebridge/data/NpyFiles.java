package io.aebridge.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes NumPy {@code .npy} files, the format the Python side of AE Bridge uses for data and goldens.
 *
 * <p>Reads format versions 1.0, 2.0 and 3.0 with C-order, little-endian elements of dtype {@code <f4}, {@code <f8},
 * {@code |u1}, {@code <i4} or {@code <i8}. Writes version 1.0 with the header padded so the data starts on a 64-byte
 * boundary, as NumPy does. Every format error is a {@link DataFormatException} naming the file and the byte offset.
 * Stateless and thread-safe.
 */
public final class NpyFiles {

  /** The dtypes this class reads, by their NPY {@code descr}. */
  private static final Map<String, ElementType> DTYPES = dtypes();

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final int PREAMBLE_BYTES = 10;
  private static final int ALIGNMENT = 64;
  /** Far above any real header (a few hundred bytes); stops a corrupt length from allocating gigabytes. */
  private static final int MAX_HEADER_BYTES = 1 << 20;
  private static final int CHUNK_FLOATS = 1 << 14;

  private NpyFiles() {}

  /**
   * An array as stored in an NPY file, converted to float: for golden-file comparisons.
   *
   * @param shape the dimensions, outermost first ({@code []} for a scalar)
   * @param data the elements in C (row-major) order; owned by this record, not copied
   */
  public record NpyArray(long[] shape, float[] data) {

    public NpyArray {
      Objects.requireNonNull(shape, "shape");
      Objects.requireNonNull(data, "data");
      if (product(shape) != data.length) {
        throw new IllegalArgumentException(
            "shape " + Arrays.toString(shape) + " holds " + product(shape) + " elements, found " + data.length);
      }
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof NpyArray a && Arrays.equals(shape, a.shape) && Arrays.equals(data, a.data);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "NpyArray" + Arrays.toString(shape);
    }
  }

  /**
   * Reads an array of samples as a dataset with no labels.
   *
   * <p>Shape {@code [N, D]} gives {@code N} samples of {@code 1×D×1}, {@code [N, H, W]} gives {@code H×W×1} and
   * {@code [N, H, W, C]} is kept. {@code |u1} values are scaled by 1/255 to [0,1]; other dtypes are converted to
   * float as stored. The dataset's source is {@code file} as given.
   *
   * @throws DataFormatException when the file is not such an NPY array
   */
  public static Dataset readImages(Path file) throws IOException {
    try (BinaryInput in = open(file)) {
      Header header = readHeader(in);
      float[] values = Shapes.toUnitIntervalIfBytes(readData(in, header), header.type);
      return Shapes.images(values, header.shape, file, in.at(header.shapeOffset));
    }
  }

  /**
   * Reads class labels from an integer array of shape {@code [N]} or {@code [N, 1]}.
   *
   * @return a new array of {@code N} labels, owned by the caller
   * @throws DataFormatException when the file is not such an array, or a value does not fit an int
   */
  public static int[] readLabels(Path file) throws IOException {
    try (BinaryInput in = open(file)) {
      Header header = readHeader(in);
      if (!header.type.isInteger()) {
        throw new DataFormatException(file, in.at(header.descrOffset), "an integer dtype for labels ('|u1', "
            + "'<i4' or '<i8')", "'" + header.descr + "'");
      }
      int count = Shapes.labelCount(header.shape, file, in.at(header.shapeOffset));
      int[] labels = in.readInts(count, header.type, ByteOrder.LITTLE_ENDIAN, dataDescription(header));
      in.expectEnd(dataDescription(header));
      return labels;
    }
  }

  /**
   * Reads any supported array, of any rank, converting its elements to float as stored (no scaling).
   *
   * @throws DataFormatException when the file is not a supported NPY array
   */
  public static NpyArray readFloatArray(Path file) throws IOException {
    try (BinaryInput in = open(file)) {
      Header header = readHeader(in);
      return new NpyArray(header.shape, readData(in, header));
    }
  }

  /**
   * Writes {@code values} as a {@code <f4} array of the given shape (NPY version 1.0).
   *
   * @param values the elements in C (row-major) order; not modified
   * @param shape the dimensions, outermost first; their product must be {@code values.length}
   * @throws IllegalArgumentException when the shape does not hold exactly {@code values.length} elements
   */
  public static void write(Path file, float[] values, long[] shape) throws IOException {
    Objects.requireNonNull(values, "values");
    long[] dims = Objects.requireNonNull(shape, "shape").clone();
    for (long dim : dims) {
      if (dim < 0) {
        throw new IllegalArgumentException("NPY dimensions must be at least 0, found shape " + Arrays.toString(dims));
      }
    }
    if (product(dims) != values.length) {
      throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " holds " + product(dims)
          + " elements, found " + values.length + " values");
    }
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      out.write(header("<f4", dims));
      ByteBuffer buffer = ByteBuffer.allocate(CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      for (int from = 0; from < values.length; from += CHUNK_FLOATS) {
        int n = Math.min(CHUNK_FLOATS, values.length - from);
        buffer.clear();
        buffer.asFloatBuffer().put(values, from, n);
        out.write(buffer.array(), 0, n * Float.BYTES);
      }
    }
  }

  /** Writes labels as an {@code <i4} array of shape {@code [N]} (NPY version 1.0). {@code labels} is not modified. */
  public static void writeLabels(Path file, int[] labels) throws IOException {
    Objects.requireNonNull(labels, "labels");
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
      out.write(header("<i4", new long[] {labels.length}));
      ByteBuffer buffer = ByteBuffer.allocate(labels.length * Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buffer.asIntBuffer().put(labels);
      out.write(buffer.array());
    }
  }

  // --- reading -------------------------------------------------------------------------------------------------

  private record Header(ElementType type, String descr, long[] shape, long descrOffset, long shapeOffset) {}

  private static BinaryInput open(Path file) throws IOException {
    return new BinaryInput(new BufferedInputStream(Files.newInputStream(file), 1 << 16), file, false);
  }

  private static Header readHeader(BinaryInput in) throws IOException {
    Path file = in.path();
    byte[] magic = in.readBytes(MAGIC.length, "NPY magic");
    if (!Arrays.equals(magic, MAGIC)) {
      throw new DataFormatException(file, in.at(0), "NPY magic 0x934e554d5059 (\\x93NUMPY)", "0x" + hex(magic));
    }
    byte[] version = in.readBytes(2, "NPY version");
    int major = version[0] & 0xFF;
    int minor = version[1] & 0xFF;
    if (major < 1 || major > 3 || minor != 0) {
      throw new DataFormatException(file, in.at(6), "NPY version 1.0, 2.0 or 3.0", "version " + major + "." + minor);
    }
    long lengthOffset = in.position();
    long length = major == 1
        ? in.read(2, ByteOrder.LITTLE_ENDIAN, "NPY header length").getShort() & 0xFFFF
        : in.read(4, ByteOrder.LITTLE_ENDIAN, "NPY header length").getInt() & 0xFFFFFFFFL;
    if (length > MAX_HEADER_BYTES) {
      throw new DataFormatException(file, in.at(lengthOffset), "a header length of at most " + MAX_HEADER_BYTES,
          Long.toString(length));
    }
    long headerStart = in.position();
    byte[] text = in.readBytes((int) length, "NPY header");
    HeaderParser parser = new HeaderParser(
        new String(text, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1), headerStart, in);
    Map<String, Value> dict = parser.parseDict();

    Value descr = parser.require(dict, "descr", String.class);
    Value fortran = parser.require(dict, "fortran_order", Boolean.class);
    Value shape = parser.require(dict, "shape", long[].class);
    String dtype = (String) descr.value;
    ElementType type = DTYPES.get(dtype);
    if (type == null) {
      String hint = dtype.startsWith(">") ? " (big-endian; save with arr.astype('<" + dtype.substring(1) + "'))" : "";
      throw new DataFormatException(file, in.at(descr.offset),
          "a little-endian dtype of " + String.join(", ", DTYPES.keySet()), "'" + dtype + "'" + hint);
    }
    if ((Boolean) fortran.value) {
      throw new DataFormatException(file, in.at(fortran.offset), "fortran_order False (C order)",
          "True (save np.ascontiguousarray(arr))");
    }
    return new Header(type, dtype, (long[]) shape.value, descr.offset, shape.offset);
  }

  /** Reads all elements the header describes and checks that nothing follows them. */
  private static float[] readData(BinaryInput in, Header header) throws IOException {
    int count = Shapes.elementCount(header.shape, in.path(), in.at(header.shapeOffset));
    String what = dataDescription(header);
    float[] values = in.readFloats(count, header.type, ByteOrder.LITTLE_ENDIAN, what);
    in.expectEnd(what);
    return values;
  }

  private static String dataDescription(Header header) {
    return "'" + header.descr + "' data for shape " + Shapes.format(header.shape);
  }

  /** A header value and the byte offset where it starts. */
  private record Value(Object value, long offset) {}

  /**
   * Parses the Python dict literal of an NPY header, e.g. {@code {'descr': '<f4', 'fortran_order': False, 'shape':
   * (2, 3), }}: string keys; values that are strings, {@code True}/{@code False} or tuples of integers.
   */
  private static final class HeaderParser {
    private final String text;
    private final long start;
    private final BinaryInput in;
    private int pos;

    HeaderParser(String text, long start, BinaryInput in) {
      this.text = text;
      this.start = start;
      this.in = in;
    }

    Map<String, Value> parseDict() throws DataFormatException {
      Map<String, Value> dict = new LinkedHashMap<>();
      skipSpace();
      expect('{', "'{' opening the NPY header dict");
      while (true) {
        skipSpace();
        if (peek() == '}') {
          break;
        }
        String key = parseString("a quoted key or '}' in the NPY header dict");
        skipSpace();
        expect(':', "':' after key '" + key + "'");
        skipSpace();
        dict.put(key, parseValue(key));
        skipSpace();
        if (peek() == ',') {
          pos++;
        } else if (peek() != '}') {
          throw error("',' or '}' after the value of '" + key + "'");
        }
      }
      pos++;
      skipSpace();
      if (pos < text.length()) {
        throw error("only padding after the NPY header dict");
      }
      return dict;
    }

    Value require(Map<String, Value> dict, String key, Class<?> kind) throws DataFormatException {
      Value value = dict.get(key);
      if (value == null) {
        throw new DataFormatException(in.path(), in.at(start), "key '" + key + "' in the NPY header",
            "'" + text.strip() + "'");
      }
      if (!kind.isInstance(value.value)) {
        String wanted = kind == String.class ? "a string" : kind == Boolean.class ? "True or False" : "a tuple";
        throw new DataFormatException(in.path(), in.at(value.offset), wanted + " for '" + key + "'",
            "'" + snippet((int) (value.offset - start)) + "'");
      }
      return value;
    }

    private Value parseValue(String key) throws DataFormatException {
      long offset = start + pos;
      char c = peek();
      if (c == '\'' || c == '"') {
        return new Value(parseString("a string"), offset);
      }
      if (text.startsWith("True", pos)) {
        pos += 4;
        return new Value(Boolean.TRUE, offset);
      }
      if (text.startsWith("False", pos)) {
        pos += 5;
        return new Value(Boolean.FALSE, offset);
      }
      if (c == '(') {
        return new Value(parseTuple(), offset);
      }
      throw error("a string, True, False or a tuple of integers as the value of '" + key + "'");
    }

    private String parseString(String what) throws DataFormatException {
      char quote = peek();
      if (quote != '\'' && quote != '"') {
        throw error(what);
      }
      int end = text.indexOf(quote, pos + 1);
      if (end < 0) {
        throw error("a closing " + quote + " for the string");
      }
      String s = text.substring(pos + 1, end);
      pos = end + 1;
      return s;
    }

    private long[] parseTuple() throws DataFormatException {
      pos++;
      long[] dims = new long[4];
      int rank = 0;
      while (true) {
        skipSpace();
        if (peek() == ')') {
          pos++;
          return Arrays.copyOf(dims, rank);
        }
        int digits = pos;
        while (pos < text.length() && Character.isDigit(text.charAt(pos))) {
          pos++;
        }
        if (digits == pos) {
          throw error("a non-negative integer or ')' in the shape tuple");
        }
        long dim;
        try {
          dim = Long.parseLong(text.substring(digits, pos));
        } catch (NumberFormatException e) {
          pos = digits;
          throw error("a dimension that fits 64 bits");
        }
        if (peek() == 'L') { // Python 2 wrote long integers as 3L
          pos++;
        }
        if (rank == dims.length) {
          dims = Arrays.copyOf(dims, rank * 2);
        }
        dims[rank++] = dim;
        skipSpace();
        if (peek() == ',') {
          pos++;
        } else if (peek() != ')') {
          throw error("',' or ')' in the shape tuple");
        }
      }
    }

    private void expect(char c, String what) throws DataFormatException {
      if (peek() != c) {
        throw error(what);
      }
      pos++;
    }

    private char peek() {
      return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private DataFormatException error(String expected) {
      String found = pos < text.length() ? "'" + snippet(pos) + "'" : "the end of the header";
      return new DataFormatException(in.path(), in.at(start + pos), expected, found);
    }

    private String snippet(int from) {
      String rest = text.substring(from).strip();
      return rest.length() > 24 ? rest.substring(0, 24) + "..." : rest;
    }
  }

  // --- writing -------------------------------------------------------------------------------------------------

  /** Preamble and header dict, space-padded and newline-terminated so the data starts on a 64-byte boundary. */
  private static byte[] header(String descr, long[] shape) {
    StringBuilder tuple = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      tuple.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    tuple.append(shape.length == 1 ? ",)" : ")");
    String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }";
    int padding = (ALIGNMENT - (PREAMBLE_BYTES + dict.length() + 1) % ALIGNMENT) % ALIGNMENT;
    byte[] text = (dict + " ".repeat(padding) + "\n").getBytes(StandardCharsets.ISO_8859_1);
    ByteBuffer out = ByteBuffer.allocate(PREAMBLE_BYTES + text.length).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) text.length).put(text);
    return out.array();
  }

  // --- helpers -------------------------------------------------------------------------------------------------

  private static Map<String, ElementType> dtypes() {
    Map<String, ElementType> map = new LinkedHashMap<>();
    map.put("<f4", ElementType.FLOAT32);
    map.put("<f8", ElementType.FLOAT64);
    map.put("|u1", ElementType.UINT8);
    map.put("<i4", ElementType.INT32);
    map.put("<i8", ElementType.INT64);
    return Collections.unmodifiableMap(map);
  }

  private static long product(long[] shape) {
    long n = 1;
    for (long dim : shape) {
      n = Math.multiplyExact(n, dim);
    }
    return n;
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
