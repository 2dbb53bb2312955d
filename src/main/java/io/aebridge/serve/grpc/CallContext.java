package io.aebridge.serve.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every call carries besides its message, as REST has it: a request id (metadata {@code x-request-id}, kept
 * when the client sends a sane one, echoed in the response headers), the bearer token (metadata
 * {@code authorization: Bearer …}) for management calls, the model it is about (for metrics), and one metrics
 * record and log line per call.
 */
final class CallContext implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(CallContext.class);
  static final Metadata.Key<String> REQUEST_ID = Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final Context.Key<String> ID = Context.key("aebridge.requestId");
  private static final Context.Key<String> TOKEN = Context.key("aebridge.token");
  private static final Context.Key<String[]> MODEL = Context.key("aebridge.model");

  private final GrpcHost host;

  CallContext(GrpcHost host) {
    this.host = host;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    String given = headers.get(REQUEST_ID);
    String id = given != null && CLIENT_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    String auth = headers.get(AUTHORIZATION);
    String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : null;
    String[] model = {""};
    String method = call.getMethodDescriptor().getFullMethodName();
    ServerCall<Q, R> wrapped = new SimpleForwardingServerCall<>(call) {
      @Override
      public void sendHeaders(Metadata h) {
        h.put(REQUEST_ID, id);
        super.sendHeaders(h);
      }

      @Override
      public void close(Status status, Metadata trailers) {
        long nanos = System.nanoTime() - start;
        host.recordCall(model[0], method, status.getCode().name(), nanos);
        if (!status.isOk()) {
          LOG.info("[{}] gRPC {} {} {} {}: {}", id, method, model[0], status.getCode(),
              String.format("%.1f ms", nanos / 1e6), status.getDescription());
        } else if (LOG.isDebugEnabled()) {
          LOG.debug("[{}] gRPC {} {} OK {}", id, method, model[0], String.format("%.1f ms", nanos / 1e6));
        }
        super.close(status, trailers);
      }
    };
    Context ctx = Context.current().withValue(ID, id).withValue(TOKEN, token).withValue(MODEL, model);
    return Contexts.interceptCall(ctx, wrapped, headers, next);
  }

  /** The request id of the current call. */
  static String requestId() {
    return ID.get();
  }

  /** Notes the model the current call is about, for its metrics record. */
  static void model(String name) {
    String[] m = MODEL.get();
    if (m != null && name != null && name.length() <= 100) {
      m[0] = name;
    }
  }

  /** The bearer token the current call brought, or {@code null}. */
  static String token() {
    return TOKEN.get();
  }

  /**
   * The time the client allows the current call (its deadline), or {@code null} when it set none.
   */
  static Duration clientTimeout() {
    io.grpc.Deadline d = Context.current().getDeadline();
    return d == null ? null : Duration.ofNanos(Math.max(0, d.timeRemaining(TimeUnit.NANOSECONDS)));
  }
}
