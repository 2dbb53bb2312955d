package io.aebridge.serve.http;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/** Small helpers shared by the endpoint classes: request ids, bounded bodies, JSON responses. Stateless. */
public final class Http {
  public static final String REQUEST_ID = "X-Request-Id";
  static final String REQUEST_ID_ATTRIBUTE = "aebridge.requestId";
  public static final String MODEL_ATTRIBUTE = "aebridge.model";
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private Http() {}

  /** Adopts the client's {@code X-Request-Id} when it is short and plain, else makes one; sets it on the response. */
  public static String assignRequestId(Context ctx) {
    String id = requestId(ctx.header(REQUEST_ID));
    ctx.attribute(REQUEST_ID_ATTRIBUTE, id);
    ctx.header(REQUEST_ID, id);
    return id;
  }

  /** The client's {@code X-Request-Id} header value when it is short and plain, else a new id. */
  public static String requestId(String given) {
    return given != null && CLIENT_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
  }

  public static String requestId(Context ctx) {
    String id = ctx.attribute(REQUEST_ID_ATTRIBUTE);
    return id == null ? assignRequestId(ctx) : id;
  }

  /** Records the model a request is about, once it is known to exist (bounded metric labels). */
  static void model(Context ctx, String model) {
    ctx.attribute(MODEL_ATTRIBUTE, model);
  }

  /**
   * The request body, at most {@code max} bytes.
   *
   * <p>{@link BodyReader} has normally read the body already, without a thread; what it left is taken from there.
   *
   * @throws ServingException PAYLOAD_TOO_LARGE beyond {@code max}; UNSUPPORTED_MEDIA_TYPE for a compressed body
   */
  static byte[] body(Context ctx, long max) throws IOException {
    String encoding = ctx.header("Content-Encoding");
    if (encoding != null && !encoding.isBlank() && !encoding.trim().equalsIgnoreCase("identity")) {
      throw new ServingException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "Content-Encoding '"
          + TensorJson.abbreviate(encoding) + "' is not accepted; send the body uncompressed");
    }
    long declared = ctx.req().getContentLengthLong();
    if (declared > max) {
      throw tooLarge(declared, max);
    }
    byte[] read = ctx.attribute(BodyReader.BODY);
    if (read != null) {
      if (read.length > max) {
        throw tooLarge(read.length, max);
      }
      return read;
    }
    InputStream in = ctx.req().getInputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, max)));
    byte[] chunk = new byte[64 * 1024];
    long total = 0;
    for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
      total += n;
      if (total > max) {
        throw tooLarge(total, max);
      }
      out.write(chunk, 0, n);
    }
    return out.toByteArray();
  }

  private static ServingException tooLarge(long size, long max) {
    return new ServingException(ErrorCode.PAYLOAD_TOO_LARGE, "Request body of " + size + "+ bytes exceeds "
        + "the limit of " + max + " bytes (limits.maxBodyBytes)");
  }

  /** Something that writes a JSON document. */
  @FunctionalInterface
  interface JsonWriter {
    void write(JsonGenerator g) throws IOException;
  }

  /** Renders {@code writer}'s JSON into a byte array. */
  static byte[] render(JsonWriter writer) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator g = TensorJson.JSON.createGenerator(out, JsonEncoding.UTF8)) {
      writer.write(g);
    }
    return out.toByteArray();
  }

  /** Responds 200 with {@code writer}'s JSON. */
  static void json(Context ctx, JsonWriter writer) throws IOException {
    ctx.contentType("application/json").result(render(writer));
  }

  /** Responds 200 with raw bytes of {@code type} (no charset parameter is added). */
  static void bytes(Context ctx, String type, byte[] body) {
    ctx.res().setCharacterEncoding(null);
    ctx.res().setContentType(type);
    ctx.result(body);
  }

  /** {@code {"error": message}} with {@code status}. */
  static void error(Context ctx, int status, String message) {
    try {
      ctx.status(status).contentType("application/json").result(render(g -> {
        g.writeStartObject();
        g.writeStringField("error", message == null ? "error" : message);
        g.writeEndObject();
      }));
    } catch (IOException e) {
      ctx.status(status).result("{\"error\":\"error\"}");
    }
  }

  /** Whether the client prefers {@code mime} (e.g. {@code image/png}) in its Accept header. */
  static boolean accepts(Context ctx, String mime) {
    String accept = ctx.header("Accept");
    return accept != null && accept.toLowerCase(Locale.ROOT).contains(mime);
  }
}
