package io.aebridge.serve.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.aebridge.load.HostTensor;
import io.aebridge.load.TensorSpec;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.Texts;
import java.io.IOException;
import java.util.Arrays;
import org.tensorflow.proto.DataType;

/**
 * Tensors in JSON: the one {@link JsonFactory} (NaN/±Infinity accepted and written bare as TF Serving does,
 * duplicate keys refused, nesting bounded), reading nested lists of numbers straight into a {@link NumberBuffer}
 * while checking they are not ragged, and writing tensors nested or flat. Stateless; thread-safe.
 */
public final class TensorJson {
  /** Deepest nesting of a JSON request; tensors need far less. */
  static final int MAX_NESTING = 64;
  /** Highest tensor rank read from nested lists. */
  static final int MAX_RANK = 32;

  static final JsonFactory JSON = JsonFactory.builder()
      .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
      .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
      // Float text <-> binary was about half of a single-sample :predict (JFR): JDK 17 FloatingDecimal. Jackson's
      // own Schubfach writer and FastDoubleParser are correctly rounded, so the numbers are the same floats.
      .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).maxNumberLength(400)
          .build())
      .build();

  private TensorJson() {}

  /** {@code " at line L, column C"} for the parser's current token. */
  static String at(JsonParser p) {
    JsonLocation l = p.currentTokenLocation();
    return l == null ? "" : " at line " + l.getLineNr() + ", column " + l.getColumnNr();
  }

  /**
   * The shape of nested lists as they are read: each depth's length is fixed by the first list closed at that
   * depth, and every scalar must sit at the same depth. {@code dims[0]} may be preset by the caller.
   */
  static final class Shape {
    private final long[] dims = new long[MAX_RANK + 1];
    private final boolean[] known = new boolean[MAX_RANK + 1];
    private int rank = -1;
    private int maxDepth;

    void setDim(int depth, long n, String input, JsonParser p) {
      if (known[depth] && dims[depth] != n) {
        throw ServingException.invalid("Input '" + input + "' is ragged: a list at depth " + depth + " has " + n
            + " elements where an earlier one had " + dims[depth] + at(p));
      }
      dims[depth] = n;
      known[depth] = true;
      maxDepth = Math.max(maxDepth, depth + 1);
    }

    void scalarAt(int depth, String input, JsonParser p) {
      if (rank < 0) {
        rank = depth;
      } else if (rank != depth) {
        throw ServingException.invalid("Input '" + input + "' mixes numbers and lists at the same level (a number at "
            + "depth " + depth + ", earlier ones at depth " + rank + ")" + at(p));
      }
    }

    /** The shape read ({@code [n, …]}). */
    long[] dims() {
      int r = rank >= 0 ? rank : maxDepth;
      return Arrays.copyOf(dims, r);
    }

    int rank() {
      return rank;
    }
  }

  /**
   * Reads one value — a number or nested lists of numbers — at the parser's current token into {@code buffer},
   * recording its shape in {@code shape} from {@code depth} down.
   */
  static void readNested(JsonParser p, NumberBuffer buffer, Shape shape, int depth, String input)
      throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_ARRAY) {
      if (depth >= MAX_RANK || (shape.rank() >= 0 && depth >= shape.rank())) {
        throw ServingException.invalid("Input '" + input + "' nests lists deeper than its numbers allow" + at(p));
      }
      long n = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        readNested(p, buffer, shape, depth + 1, input);
        n++;
      }
      shape.setDim(depth, n, input, p);
      return;
    }
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      shape.scalarAt(depth, input, p);
      buffer.add(p, input);
      return;
    }
    throw notANumber(p, input);
  }

  static ServingException notANumber(JsonParser p, String input) throws IOException {
    JsonToken t = p.currentToken();
    if (t == JsonToken.START_OBJECT) {
      String first = p.nextFieldName();
      if ("b64".equals(first)) {
        return ServingException.invalid("Input '" + input + "' received a {\"b64\": …} value" + at(p) + ": base64 "
            + "values are for DT_STRING inputs, and this server serves numeric tensors only (DT_FLOAT, DT_DOUBLE, "
            + "DT_INT32, DT_INT64)");
      }
      return ServingException.invalid("Input '" + input + "': expected a number or a list, found an object" + at(p));
    }
    if (t == JsonToken.VALUE_STRING) {
      return ServingException.invalid("Input '" + input + "': expected a number, found the string \""
          + abbreviate(p.getText()) + "\"" + at(p) + " (DT_STRING inputs are not supported; NaN and Infinity are "
          + "written without quotes)");
    }
    return ServingException.invalid("Input '" + input + "': expected a number or a list, found " + describe(t) + at(p));
  }

  static String describe(JsonToken t) {
    if (t == null) {
      return "the end of the body";
    }
    return switch (t) {
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      case VALUE_STRING -> "a string";
      case START_OBJECT -> "an object";
      case START_ARRAY -> "a list";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      default -> t.asString() == null ? t.name() : "'" + t.asString() + "'";
    };
  }

  public static String abbreviate(String s) {
    return Texts.abbreviate(s);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Writing

  /** Writes element {@code i} of {@code t}. */
  static void writeElement(JsonGenerator g, HostTensor t, int i) throws IOException {
    switch (t.dtype()) {
      case DT_FLOAT -> g.writeNumber(((float[]) t.array())[i]);
      case DT_DOUBLE -> g.writeNumber(((double[]) t.array())[i]);
      case DT_INT32 -> g.writeNumber(((int[]) t.array())[i]);
      case DT_INT64 -> g.writeNumber(((long[]) t.array())[i]);
      default -> throw new IllegalArgumentException("Cannot write " + t + " as JSON; supported: "
          + HostTensor.SUPPORTED);
    }
  }

  /** Writes the whole tensor as nested lists (a bare number for rank 0). */
  static void writeNested(JsonGenerator g, HostTensor t) throws IOException {
    long[] shape = t.shape();
    writeNested(g, t, shape, 0, 0);
  }

  /** Writes row {@code row} of {@code t} (its sub-tensor along dimension 0) as nested lists. */
  static void writeRow(JsonGenerator g, HostTensor t, int row) throws IOException {
    long[] shape = t.shape();
    long rowSize = 1;
    for (int i = 1; i < shape.length; i++) {
      rowSize *= shape[i];
    }
    writeNested(g, t, shape, 1, (int) (row * rowSize));
  }

  private static int writeNested(JsonGenerator g, HostTensor t, long[] shape, int dim, int offset)
      throws IOException {
    if (dim == shape.length) {
      writeElement(g, t, offset);
      return offset + 1;
    }
    g.writeStartArray();
    int o = offset;
    if (dim == shape.length - 1) {
      for (long i = 0; i < shape[dim]; i++) {
        writeElement(g, t, o++);
      }
    } else {
      for (long i = 0; i < shape[dim]; i++) {
        o = writeNested(g, t, shape, dim + 1, o);
      }
    }
    g.writeEndArray();
    return o;
  }

  /** Writes every element in row-major order as one flat list. */
  static void writeFlat(JsonGenerator g, HostTensor t) throws IOException {
    g.writeStartArray();
    int n = (int) t.elementCount();
    for (int i = 0; i < n; i++) {
      writeElement(g, t, i);
    }
    g.writeEndArray();
  }

  /** Writes a signature tensor as {@code {"name", "dtype", "shape"}} ({@code shape} only when its rank is known). */
  static void writeSpec(JsonGenerator g, TensorSpec t) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", t.key());
    g.writeStringField("dtype", t.dtype().name());
    if (t.rankKnown()) {
      g.writeFieldName("shape");
      writeShape(g, t.shape());
    }
    g.writeEndObject();
  }

  /** Writes a shape as a JSON list of numbers. */
  static void writeShape(JsonGenerator g, long[] shape) throws IOException {
    g.writeStartArray();
    for (long d : shape) {
      g.writeNumber(d);
    }
    g.writeEndArray();
  }
}
