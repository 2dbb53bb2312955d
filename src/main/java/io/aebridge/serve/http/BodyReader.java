package io.aebridge.serve.http;

import io.aebridge.serve.ServerConfig;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads each request body in full, asynchronously, before the request reaches the handlers behind it (Javalin's
 * servlet): a client that sends its headers and then the body slowly, or never, holds a connection and the bytes
 * it sent so far, but no thread. Without this, each such request parks a request thread in a blocking read until
 * the idle timeout, and a few hundred of them starve every other client (issue 10, item 1).
 *
 * <p>What it answers itself, as {@code {"error": "…"}} with the request id and a log line: 408 when the body is
 * not complete within {@link ServerConfig#bodyTimeout()} or the connection goes silent for
 * {@link ServerConfig#idleTimeout()} mid-body; 400 when the body's framing is broken (a bad chunk size, a chunk
 * shorter or longer than its size); 413 when the body passes its endpoint's {@link Limit} (a declared
 * {@code Content-Length} beyond it at once, a chunked body when it gets there). A complete body is handed on as the
 * {@link #BODY} request attribute (and as the request's content, for any reader of the input stream). Once a 413
 * is written, up to {@link #SWALLOW_BYTES} more of the body is read and dropped before the exchange ends (Tomcat's
 * {@code maxSwallowSize} idea): closing a connection with unread bytes resets it, and a client still sending then
 * reads no answer at all (Java's HttpClient: "header parser received no bytes"). The 413 is written here, not by
 * the servlet behind: Jetty's servlet layer fails whatever of the body has not arrived when a servlet completes,
 * which ended the swallowing after the first socket buffer of a slowly sent body.
 *
 * <p>Thread-safety: one {@link Loader} per request; Jetty serialises its demand callbacks, and the body deadline
 * races them through one {@link AtomicBoolean}.
 */
public final class BodyReader extends Handler.Wrapper {
  /** Request attribute: the complete body, {@code byte[]}. */
  static final String BODY = "aebridge.body";
  /** How much of an over-limit body is read and dropped after its 413, so that its client can read the answer. */
  static final long SWALLOW_BYTES = 16L << 20;

  /**
   * The most body bytes read for a request, and the setting that says so (named in the 413).
   *
   * @param bytes the limit, ≥ 0
   * @param setting the configuration key, e.g. {@code limits.maxBodyBytes}
   */
  public record Limit(long bytes, String setting) {}

  private final Function<Request, Limit> limit;
  private final Duration timeout;
  private final HttpErrors.JettyWriter errors;

  /**
   * @param limit the most body bytes read for a request (its endpoint's limit)
   * @param timeout how long a body may take in full, from the moment its headers arrived
   * @param errors writes the 400/408/413 answers
   */
  public BodyReader(Function<Request, Limit> limit, Duration timeout, HttpErrors.JettyWriter errors) {
    this.limit = limit;
    this.timeout = timeout;
    this.errors = errors;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Handler next = getHandler();
    if (next == null) {
      return false;
    }
    long declared = request.getLength();
    boolean chunked = request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING, "chunked");
    if (!chunked && declared <= 0) {
      return next.handle(request, response, callback);
    }
    Limit max = limit.apply(request);
    if (!chunked && declared > max.bytes()) {
      // Refused by its declared length alone; what the client still sends is dropped after the answer.
      tooLarge(request, response, callback, declared + " bytes (its Content-Length)", max);
      return true;
    }
    new Loader(next, request, response, callback, chunked ? -1 : declared, max).start();
    return true;
  }

  private void tooLarge(Request request, Response response, Callback callback, String size, Limit max) {
    errors.write(request, response, new Swallow(request, callback), 413, "Request body of " + size
        + " exceeds the limit of " + max.bytes() + " bytes (" + max.setting() + ")");
  }

  /** The body of one request, read on demand callbacks. */
  private final class Loader implements Invocable.Task {
    private final Handler next;
    private final Request request;
    private final Response response;
    private final Callback callback;
    private final long declared;
    private final Limit max;
    private final AtomicBoolean finished = new AtomicBoolean();
    private byte[] bytes;
    private int size;
    private Scheduler.Task deadline;

    Loader(Handler next, Request request, Response response, Callback callback, long declared, Limit max) {
      this.next = next;
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.declared = declared;
      this.max = max;
      this.bytes = new byte[(int) Math.min(declared > 0 ? declared : 8192, max.bytes())];
    }

    void start() {
      deadline = request.getComponents().getScheduler().schedule(this::expire, timeout.toNanos(),
          TimeUnit.NANOSECONDS);
      read(false);
    }

    /** Called by Jetty when more of the body can be read. */
    @Override
    public void run() {
      read(true);
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }

    private void read(boolean onDemandCallback) {
      while (!finished.get()) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          failed(chunk.getFailure());
          return;
        }
        boolean last = chunk.isLast();
        long total;
        try {
          ByteBuffer b = chunk.getByteBuffer();
          int n = b.remaining();
          total = size + (long) n;
          if (total <= max.bytes()) {
            if (total > bytes.length) {
              bytes = Arrays.copyOf(bytes, (int) Math.min(max.bytes(), Math.max(total, 2L * bytes.length)));
            }
            b.get(bytes, size, n);
            size += n;
          }
        } finally {
          chunk.release();
        }
        if (total > max.bytes()) {
          if (finished.compareAndSet(false, true)) {
            deadline.cancel();
            tooLarge(request, response, callback, total + "+ bytes", max);
          }
          return;
        }
        if (last) {
          request.setAttribute(BODY, size == bytes.length ? bytes : Arrays.copyOf(bytes, size));
          dispatch(onDemandCallback);
          return;
        }
      }
    }

    /** Hands the request on; never on the thread of a demand callback, which must not block. */
    private void dispatch(boolean onDemandCallback) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      deadline.cancel();
      if (onDemandCallback) {
        request.getContext().execute(this::handleNext);
      } else {
        handleNext();
      }
    }

    private void handleNext() {
      Request whole = new Whole(request, (byte[]) request.getAttribute(BODY));
      try {
        if (!next.handle(whole, response, callback)) {
          Response.writeError(request, response, callback, 404);
        }
      } catch (Throwable t) {
        Response.writeError(request, response, callback, t);
      }
    }

    private void failed(Throwable failure) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      deadline.cancel();
      if (failure instanceof TimeoutException) {
        errors.write(request, response, callback, 408, "The request body stopped arriving: " + received()
            + " before the connection was silent for idleTimeout; send the whole body without pausing");
      } else if (failure instanceof HttpException bad) {
        errors.write(request, response, callback, 400, "Malformed request body (" + describe(bad)
            + ") after " + received() + "; check the Content-Length or the chunked encoding");
      } else {
        // An I/O failure (the connection broke): Jetty answers if it still can, through HttpErrors.BadMessages.
        callback.failed(failure);
      }
    }

    private void expire() {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      errors.write(request, response, callback, 408, "The request body did not arrive in full within "
          + "bodyTimeout (" + format(timeout) + "): " + received() + "; send it faster or raise bodyTimeout");
    }

    private String received() {
      return size + (declared > 0 ? " of " + declared : "") + " bytes received";
    }
  }

  private static String describe(HttpException e) {
    String reason = e.getReason();
    return reason == null || reason.isBlank() ? "status " + e.getCode() : reason;
  }

  private static String format(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(Locale.ROOT, "%d ms", ms);
  }

  /**
   * Completes {@code delegate} only after reading and dropping what is left of the request body, up to
   * {@link #SWALLOW_BYTES} and within the body deadline: the answer (a 413) is already written by then, and a
   * connection closed with unread bytes would be reset under the client before it read it.
   */
  private final class Swallow implements Callback, Invocable.Task {
    private final Request request;
    private final Callback delegate;
    private final AtomicBoolean done = new AtomicBoolean();
    private long dropped;
    private Scheduler.Task deadline;

    Swallow(Request request, Callback delegate) {
      this.request = request;
      this.delegate = delegate;
    }

    @Override
    public void succeeded() {
      deadline = request.getComponents().getScheduler().schedule(this::finish, timeout.toNanos(),
          TimeUnit.NANOSECONDS);
      run();
    }

    @Override
    public void failed(Throwable x) {
      if (done.compareAndSet(false, true)) {
        delegate.failed(x);
      }
    }

    /** Reads what is available; called again by Jetty when more arrives. */
    @Override
    public void run() {
      while (!done.get()) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        boolean end = chunk.isLast() || Content.Chunk.isFailure(chunk);
        dropped += chunk.remaining();
        chunk.release();
        if (end || dropped > SWALLOW_BYTES) {
          finish();
          return;
        }
      }
    }

    private void finish() {
      if (done.compareAndSet(false, true)) {
        if (deadline != null) {
          deadline.cancel();
        }
        delegate.succeeded();
      }
    }

    @Override
    public InvocationType getInvocationType() {
      return InvocationType.NON_BLOCKING;
    }
  }

  /** The request with its body already read: its content is {@code body}, then end of content. */
  private static final class Whole extends Request.Wrapper {
    private final byte[] body;
    private boolean delivered;

    Whole(Request wrapped, byte[] body) {
      super(wrapped);
      this.body = body;
      this.delivered = body == null;
    }

    @Override
    public Content.Chunk read() {
      if (delivered) {
        return super.read();
      }
      delivered = true;
      return Content.Chunk.from(ByteBuffer.wrap(body), true);
    }
  }
}
