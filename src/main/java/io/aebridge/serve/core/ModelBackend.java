package io.aebridge.serve.core;

import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * What the server plugs into the core: its model repository (versions, labels, hot swap) and its batching queue.
 * Implementations are thread-safe.
 */
public interface ModelBackend {

  /**
   * A counted reference to the version {@code version} of {@code model} names; the caller closes it.
   *
   * @throws ServingException NOT_FOUND naming the models, versions or labels that exist
   */
  ServedModel acquire(String model, VersionSelector version);

  /**
   * Runs {@code inputs}, already checked against {@code signature}, on {@code model} (one this backend acquired and
   * the caller still holds), merging it with concurrent requests when batching allows.
   *
   * @param deadlineNanos the {@link System#nanoTime()} after which the request is answered DEADLINE_EXCEEDED
   * @return every output by key, in signature order; heap tensors owned by the caller
   * @throws ServingException UNAVAILABLE when the queue is full or the server stops, DEADLINE_EXCEEDED past the
   *     deadline
   */
  Map<String, HostTensor> run(ServedModel model, SignatureInfo signature, Map<String, HostTensor> inputs,
      long deadlineNanos);

  /**
   * As {@link #run}, answered through the future rather than by blocking: the model never runs on the calling
   * thread. The future fails with what {@code run} would throw. This default runs {@code run} on the common
   * fork-join pool; a backend with a queue of its own completes the future from it.
   */
  default CompletableFuture<Map<String, HostTensor>> submit(ServedModel model, SignatureInfo signature,
      Map<String, HostTensor> inputs, long deadlineNanos) {
    return CompletableFuture.supplyAsync(() -> run(model, signature, inputs, deadlineNanos));
  }
}
