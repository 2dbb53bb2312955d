package io.aebridge.serve.core;

import io.aebridge.load.HostTensor;
import io.aebridge.load.InvalidInputException;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.SignatureNotFoundException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.tensorflow.exceptions.TFFailedPreconditionException;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.exceptions.TFOutOfRangeException;
import org.tensorflow.exceptions.TFResourceExhaustedException;

/**
 * The protocol-neutral serving core: resolves a request's version and signature, checks it once against the
 * signature ({@link RequestCheck}), runs it through the backend's batching queue within its deadline, and returns
 * the named outputs. Front-ends decode their wire format into an {@link InferenceRequest} and encode the
 * {@link InferenceResponse}; they never check tensors themselves.
 *
 * <p>Ownership: requests and responses hold heap tensors only; a {@link ServedModel} from {@link #acquire} is the
 * caller's to close. Thread-safe: one instance serves every request of the server.
 */
public final class ServingCore {
  private final ModelBackend backend;
  private final int maxBatch;
  private final Duration requestTimeout;
  private final InferenceStatistics statistics;

  /**
   * @param maxBatch the most samples one request may carry ({@code limits.maxBatch}), at least 1
   * @param requestTimeout the server's deadline for a request that brings none ({@code requestTimeout})
   * @param statistics where requests are counted (the backend records executions in the same one)
   */
  public ServingCore(ModelBackend backend, int maxBatch, Duration requestTimeout, InferenceStatistics statistics) {
    this.backend = Objects.requireNonNull(backend, "backend");
    this.statistics = Objects.requireNonNull(statistics, "statistics");
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1, found " + maxBatch);
    }
    if (requestTimeout.isNegative() || requestTimeout.isZero()) {
      throw new IllegalArgumentException("requestTimeout must be positive, found " + requestTimeout);
    }
    this.maxBatch = maxBatch;
    this.requestTimeout = requestTimeout;
  }

  /** The deadline of a request that starts now and brings no deadline of its own, as {@link System#nanoTime()}. */
  public long deadline() {
    return System.nanoTime() + requestTimeout.toNanos();
  }

  /**
   * The deadline of a request that starts now with the client's own timeout (a gRPC deadline): the sooner of the
   * two.
   *
   * @param clientTimeout the time the client allows, or {@code null} for none
   */
  public long deadline(Duration clientTimeout) {
    long server = deadline();
    if (clientTimeout == null) {
      return server;
    }
    long client = System.nanoTime() + Math.max(0, clientTimeout.toNanos());
    return client - server < 0 ? client : server;
  }

  /** The server's timeout for one request ({@code requestTimeout}), for messages and metadata. */
  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** The per-version figures of every request answered through this core. */
  public InferenceStatistics statistics() {
    return statistics;
  }

  /** {@code limits.maxBatch}: the most samples one request may carry. */
  public int maxBatch() {
    return maxBatch;
  }

  /**
   * A counted reference to the version {@code version} of {@code model} names, for metadata or for decoding a wire
   * format that needs the signature's dtypes; the caller closes it.
   *
   * @throws ServingException NOT_FOUND naming the models, versions or labels that exist
   */
  public ServedModel acquire(String model, VersionSelector version) {
    return backend.acquire(model, version);
  }

  /**
   * Signature {@code key} of {@code model}, or its default one when {@code key} is empty or {@code null}.
   *
   * @throws ServingException NOT_FOUND for an unknown key, INVALID_ARGUMENT when {@code key} is empty and the model
   *     has no default signature; both list the signatures that exist
   */
  public static SignatureInfo signature(ServedModel model, String key) {
    String k = key == null || key.isEmpty() ? model.defaultSignature().orElse(null) : key;
    if (k == null) {
      throw ServingException.invalid("Model '" + model.name() + "' version " + model.version() + " has no "
          + "serving_default signature; name one with signature_name; its signatures are "
          + model.signatures().keySet());
    }
    SignatureInfo s = model.signatures().get(k);
    if (s == null) {
      throw ServingException.notFound("Model '" + model.name() + "' version " + model.version() + " has no "
          + "signature '" + Texts.abbreviate(k) + "'; its signatures are " + model.signatures().keySet());
    }
    return s;
  }

  /**
   * Answers {@code request}: acquires the version it names, then as {@link #infer(ServedModel, InferenceRequest,
   * long)}.
   */
  public InferenceResponse infer(InferenceRequest request, long deadlineNanos) {
    try (ServedModel model = acquire(request.model(), request.version())) {
      return infer(model, request, deadlineNanos);
    }
  }

  /**
   * Answers {@code request} on {@code model}, a version the caller acquired (and still holds) for it, e.g. to
   * decode the request with the signature's dtypes.
   *
   * @param deadlineNanos from {@link #deadline()} or {@link #deadline(Duration)}, taken when the request arrived
   * @throws ServingException INVALID_ARGUMENT for inputs that do not fit the signature, NOT_FOUND for an unknown
   *     signature, UNAVAILABLE / DEADLINE_EXCEEDED from the batching queue, RESOURCE_EXHAUSTED when TensorFlow ran
   *     out of memory
   */
  public InferenceResponse infer(ServedModel model, InferenceRequest request, long deadlineNanos) {
    if (!model.name().equals(request.model())) {
      throw new IllegalArgumentException("Request for model '" + request.model() + "' run on '" + model.name() + "'");
    }
    long start = System.nanoTime();
    try {
      InferenceResponse response = run(model, request, deadlineNanos);
      statistics.success(model.name(), model.version(), samples(request), System.nanoTime() - start);
      return response;
    } catch (RuntimeException e) {
      statistics.fail(model.name(), model.version(), System.nanoTime() - start);
      throw e;
    }
  }

  /** Samples in a request: the leading dimension of its first input, 1 for a scalar. */
  private static long samples(InferenceRequest request) {
    for (HostTensor t : request.inputs().values()) {
      long[] shape = t.shape();
      return shape.length == 0 ? 1 : shape[0];
    }
    return 0;
  }

  private InferenceResponse run(ServedModel model, InferenceRequest request, long deadlineNanos) {
    SignatureInfo sig = signature(model, request.signature());
    RequestCheck.check(model.name(), sig, request, maxBatch);
    Map<String, HostTensor> outputs;
    try {
      outputs = backend.run(model, sig, request.inputs(), deadlineNanos);
    } catch (RuntimeException e) {
      throw translate(e);
    }
    return respond(model, sig, request, outputs);
  }

  /**
   * As {@link #infer(ServedModel, InferenceRequest, long)}, without blocking the caller: the request is checked at
   * once (a refusal throws here), then runs through the backend's queue, never on the calling thread. The future
   * completes on the thread that ran the model, with the response or with the exception {@code infer} would throw
   * (wrapped in a {@link java.util.concurrent.CompletionException}). For front-ends whose threads must not wait (a
   * gRPC transport thread); the caller holds {@code model} until the future completes.
   *
   * @throws ServingException as {@code infer}, for what is refused before the request is queued
   */
  public CompletableFuture<InferenceResponse> inferAsync(ServedModel model, InferenceRequest request,
      long deadlineNanos) {
    if (!model.name().equals(request.model())) {
      throw new IllegalArgumentException("Request for model '" + request.model() + "' run on '" + model.name() + "'");
    }
    long start = System.nanoTime();
    SignatureInfo sig;
    CompletableFuture<Map<String, HostTensor>> ran;
    try {
      sig = signature(model, request.signature());
      RequestCheck.check(model.name(), sig, request, maxBatch);
      ran = backend.submit(model, sig, request.inputs(), deadlineNanos);
    } catch (RuntimeException e) {
      statistics.fail(model.name(), model.version(), System.nanoTime() - start);
      throw translate(e);
    }
    return ran.handle((outputs, error) -> {
      if (error != null) {
        statistics.fail(model.name(), model.version(), System.nanoTime() - start);
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        throw new CompletionException(cause instanceof RuntimeException r ? translate(r) : cause);
      }
      InferenceResponse response = respond(model, sig, request, outputs);
      statistics.success(model.name(), model.version(), samples(request), System.nanoTime() - start);
      return response;
    });
  }

  /** TensorFlow's and the loader's refusals in the core's vocabulary; anything else unchanged. */
  private static RuntimeException translate(RuntimeException e) {
    if (e instanceof TFInvalidArgumentException || e instanceof TFOutOfRangeException
        || e instanceof TFFailedPreconditionException) {
      return new ServingException(ErrorCode.INVALID_ARGUMENT, "TensorFlow rejected the input: "
          + firstLine(e.getMessage()), e);
    }
    if (e instanceof TFResourceExhaustedException) {
      return new ServingException(ErrorCode.RESOURCE_EXHAUSTED, "TensorFlow ran out of resources: "
          + firstLine(e.getMessage()), e);
    }
    if (e instanceof InvalidInputException) {
      return new ServingException(ErrorCode.INVALID_ARGUMENT, e.getMessage(), e);
    }
    if (e instanceof SignatureNotFoundException) {
      return new ServingException(ErrorCode.NOT_FOUND, e.getMessage(), e);
    }
    return e;
  }

  /** The response: the outputs the request's filter names (all without one). */
  private static InferenceResponse respond(ServedModel model, SignatureInfo sig, InferenceRequest request,
      Map<String, HostTensor> outputs) {
    if (!request.outputFilter().isEmpty()) {
      Map<String, HostTensor> filtered = new LinkedHashMap<>();
      for (String name : request.outputFilter()) {
        filtered.put(name, outputs.get(name));
      }
      outputs = filtered;
    }
    return new InferenceResponse(model.name(), model.version(), sig.key(), outputs);
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
