package io.aebridge.serve.grpc;

import io.aebridge.serve.core.ServingException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a refusal becomes a gRPC status: a {@link ServingException}'s code through
 * {@link io.aebridge.serve.core.ErrorCode#canonical()} (google.rpc numbers are gRPC's), anything else INTERNAL
 * with a plain message (the stack trace goes to the log, not to the client).
 */
final class GrpcErrors {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

  private GrpcErrors() {}

  static StatusRuntimeException toStatus(Throwable e) {
    if (e instanceof StatusRuntimeException s) {
      return s;
    }
    if (e instanceof ServingException se) {
      return Status.fromCodeValue(se.code().canonical().rpcCode()).withDescription(se.getMessage())
          .asRuntimeException();
    }
    LOG.error("gRPC call failed", e);
    return Status.INTERNAL.withDescription("The server failed to answer (" + e.getClass().getSimpleName()
        + "); see its log").asRuntimeException();
  }

  /**
   * Answers {@code out} when the future {@code call} returns completes (on whichever thread completes it), or at
   * once with the status of what {@code call} throws.
   */
  static <T> void answerLater(StreamObserver<T> out, Supplier<CompletableFuture<T>> call) {
    CompletableFuture<T> future;
    try {
      future = call.get();
    } catch (RuntimeException e) {
      out.onError(toStatus(e));
      return;
    }
    future.whenComplete((value, error) -> {
      if (error != null) {
        out.onError(toStatus(error instanceof CompletionException && error.getCause() != null ? error.getCause()
            : error));
      } else {
        out.onNext(value);
        out.onCompleted();
      }
    });
  }

  /** Answers {@code out} with what {@code call} returns, or with the status of what it throws. */
  static <T> void answer(StreamObserver<T> out, Supplier<T> call) {
    T value;
    try {
      value = call.get();
    } catch (RuntimeException e) {
      out.onError(toStatus(e));
      return;
    }
    out.onNext(value);
    out.onCompleted();
  }
}
