package io.aebridge.serve.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.aebridge.load.InvalidInputException;
import io.aebridge.load.SignatureNotFoundException;
import io.aebridge.serve.ModelServer;
import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.exceptions.TFFailedPreconditionException;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.exceptions.TFResourceExhaustedException;
import org.tensorflow.exceptions.TensorFlowException;

/**
 * The one place where exceptions become HTTP responses: {@code {"error": "…"}} bodies with TF Serving's status
 * mapping. Client mistakes are 4xx with a message saying what was expected; only server faults are 5xx, logged
 * with the request id.
 */
public final class HttpErrors {
  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);
  /** The access-log logger of {@link ModelServer}: answers given before Javalin saw the request go there too. */
  private static final Logger REQUESTS = LoggerFactory.getLogger("io.aebridge.requests");

  private HttpErrors() {}

  public static void install(RoutesConfig app) {
    app.exception(ServingException.class, (e, ctx) -> {
      int status = status(e.code());
      if (status >= 500) {
        LOG.warn("[{}] {} {}: {}", Http.requestId(ctx), ctx.method(), ctx.path(), e.getMessage());
      }
      Http.error(ctx, status, e.getMessage());
    });
    app.exception(InvalidInputException.class, (e, ctx) -> Http.error(ctx, 400, e.getMessage()));
    app.exception(SignatureNotFoundException.class, (e, ctx) -> Http.error(ctx, 404,
        "No such signature; signatures are " + e.available()));
    app.exception(JsonProcessingException.class, (e, ctx) -> Http.error(ctx, 400, malformed(e)));
    app.exception(HttpResponseException.class, (e, ctx) -> {
      int status = e.getStatus();
      String message = status == 404 ? "No endpoint " + ctx.method() + " " + ctx.path() + "; the API is described "
          + "at /openapi.json" : e.getMessage();
      Http.error(ctx, status, message);
    });
    app.exception(TFInvalidArgumentException.class, (e, ctx) -> Http.error(ctx, 400,
        "TensorFlow rejected the input: " + firstLine(e.getMessage())));
    app.exception(TensorFlowException.class, (e, ctx) -> {
      if (e instanceof TFOutOfRangeException
          || e instanceof TFFailedPreconditionException) {
        Http.error(ctx, 400, "TensorFlow rejected the input: " + firstLine(e.getMessage()));
      } else if (e instanceof TFResourceExhaustedException) {
        Http.error(ctx, 429, "TensorFlow ran out of resources: " + firstLine(e.getMessage()));
      } else {
        serverFault(ctx, e);
      }
    });
    app.exception(Exception.class, (e, ctx) -> {
      // Early-abort of a body read or a broken connection is the client's doing, not ours.
      if (e instanceof java.io.IOException && !(e instanceof java.io.UncheckedIOException)) {
        Http.error(ctx, 400, "Could not read the request: " + e.getMessage());
        return;
      }
      serverFault(ctx, e);
    });
  }

  /**
   * Writes the answers given before Javalin sees a request (a body that stops arriving or is badly framed, a request
   * line or header Jetty refuses): the same {@code {"error"}} JSON and {@code X-Request-Id} as every other answer,
   * and one log line with the request id. Stateless; thread-safe.
   */
  public static final class JettyWriter {
    /** Writes {@code {"error": message}} with {@code status} and closes the connection after it. */
    void write(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response,
        org.eclipse.jetty.util.Callback callback, int status, String message) {
      String id = Http.requestId(request.getHeaders().get(Http.REQUEST_ID));
      String line = "[" + id + "] " + request.getMethod() + " "
          + TensorJson.abbreviate(request.getHttpURI().getPath()) + " " + status + ": " + message;
      if (clientClosed(request)) {
        // The client closed its side (usually: went away mid-request); the answer is written for a client that
        // only half-closed, but thousands of disconnects must not flood the log.
        REQUESTS.debug(line);
      } else {
        REQUESTS.info(line);
      }
      byte[] json;
      try {
        json = Http.render(g -> {
          g.writeStartObject();
          g.writeStringField("error", message);
          g.writeEndObject();
        });
      } catch (java.io.IOException e) {
        json = "{\"error\":\"error\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      }
      response.setStatus(status);
      org.eclipse.jetty.http.HttpFields.Mutable headers = response.getHeaders();
      headers.put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "application/json");
      headers.put(Http.REQUEST_ID, id);
      // The rest of a body we stopped reading would be taken for the next request: end the connection.
      headers.put(org.eclipse.jetty.http.HttpHeader.CONNECTION, "close");
      response.write(true, java.nio.ByteBuffer.wrap(json), callback);
    }

    private static boolean clientClosed(org.eclipse.jetty.server.Request request) {
      try {
        return request.getConnectionMetaData().getConnection().getEndPoint().isInputShutdown();
      } catch (RuntimeException e) {
        return false;
      }
    }
  }

  /**
   * Requests Jetty refuses before any handler sees them (a URL with {@code %00} or an encoded {@code /} in a
   * {@code ..} segment, a header line too long) get the same {@code {"error"}} body as every other 4xx, instead of
   * Jetty's HTML page.
   */
  public static final class BadMessages extends org.eclipse.jetty.server.handler.ErrorHandler {
    private final JettyWriter writer = new JettyWriter();

    @Override
    protected void generateResponse(org.eclipse.jetty.server.Request request,
        org.eclipse.jetty.server.Response response, int code, String message, Throwable cause,
        org.eclipse.jetty.util.Callback callback) {
      String what = message == null || message.isBlank() ? org.eclipse.jetty.http.HttpStatus.getMessage(code)
          : message;
      writer.write(request, response, callback, code, code >= 500 ? "Internal error: " + TensorJson.abbreviate(what)
          : "Bad request (" + code + "): " + TensorJson.abbreviate(what)
          + "; the request line, headers or body framing could not be accepted");
    }
  }

  /** The HTTP status of {@code code}: TF Serving's mapping of canonical codes, plus the HTTP refinements. */
  static int status(ErrorCode code) {
    return switch (code) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE -> 400;
      case UNAUTHENTICATED -> 401;
      case PERMISSION_DENIED -> 403;
      case NOT_FOUND -> 404;
      case ALREADY_EXISTS, ABORTED -> 409;
      case PAYLOAD_TOO_LARGE -> 413;
      case UNSUPPORTED_MEDIA_TYPE -> 415;
      case RESOURCE_EXHAUSTED -> 429;
      case CANCELLED -> 499;
      case UNIMPLEMENTED -> 501;
      case UNAVAILABLE -> 503;
      case DEADLINE_EXCEEDED -> 504;
      case INSUFFICIENT_STORAGE -> 507;
      case UNKNOWN, INTERNAL, DATA_LOSS -> 500;
    };
  }

  /** {@code "Malformed JSON at line L, column C: …"}. */
  static String malformed(JsonProcessingException e) {
    JsonLocation where = e.getLocation();
    return "Malformed JSON" + (where == null ? "" : " at line " + where.getLineNr() + ", column "
        + where.getColumnNr()) + ": " + e.getOriginalMessage();
  }

  private static void serverFault(Context ctx, Exception e) {
    String id = Http.requestId(ctx);
    LOG.error("[{}] {} {} failed", id, ctx.method(), ctx.path(), e);
    Http.error(ctx, 500, "Internal error (request id " + id + "): " + e.getClass().getSimpleName());
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
