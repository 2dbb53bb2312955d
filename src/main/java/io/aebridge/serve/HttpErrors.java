package io.aebridge.serve;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.aebridge.load.InvalidInputException;
import io.aebridge.load.SignatureNotFoundException;
import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import io.javalin.Javalin;
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
final class HttpErrors {
  private static final Logger LOG = LoggerFactory.getLogger(HttpErrors.class);

  private HttpErrors() {}

  static void install(Javalin app) {
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
   * Requests Jetty refuses before any handler sees them (a URL with {@code %00} or an encoded {@code /} in a
   * {@code ..} segment, a header line too long) get the same {@code {"error"}} body as every other 4xx, instead of
   * Jetty's HTML page.
   */
  static final class BadMessages extends org.eclipse.jetty.server.handler.ErrorHandler {
    @Override
    public java.nio.ByteBuffer badMessageError(int status, String reason,
        org.eclipse.jetty.http.HttpFields.Mutable fields) {
      fields.put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "application/json");
      String what = reason == null || reason.isBlank() ? org.eclipse.jetty.http.HttpStatus.getMessage(status) : reason;
      try {
        return java.nio.ByteBuffer.wrap(Http.render(g -> {
          g.writeStartObject();
          g.writeStringField("error", "Bad request (" + status + "): " + TensorJson.abbreviate(what)
              + "; the request line or headers could not be accepted");
          g.writeEndObject();
        }));
      } catch (java.io.IOException e) {
        return super.badMessageError(status, reason, fields);
      }
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
