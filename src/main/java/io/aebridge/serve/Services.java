package io.aebridge.serve;

import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.serve.core.InferenceRequest;
import io.aebridge.serve.core.ServingCore;
import io.aebridge.serve.core.VersionSelector;
import java.util.Map;

/**
 * What the endpoint classes share: the configuration, the models, the batcher, the metrics, the op policy, and the
 * protocol-neutral {@link ServingCore} built on the models and the batcher (front-ends run requests through it).
 */
final class Services {
  private final ServerConfig config;
  private final ModelRepository repository;
  private final Inference inference;
  private final ServerMetrics metrics;
  private final OpPolicy ops;
  private final ServingCore core;

  Services(ServerConfig config, ModelRepository repository, Inference inference, ServerMetrics metrics,
      OpPolicy ops) {
    this.config = config;
    this.repository = repository;
    this.inference = inference;
    this.metrics = metrics;
    this.ops = ops;
    this.core = new ServingCore(new CoreBackend(repository, inference), config.limits().maxBatch(),
        config.requestTimeout());
  }

  ServerConfig config() {
    return config;
  }

  ModelRepository repository() {
    return repository;
  }

  Inference inference() {
    return inference;
  }

  ServerMetrics metrics() {
    return metrics;
  }

  OpPolicy ops() {
    return ops;
  }

  /** The serving core every front-end (REST, V2, gRPC) runs requests through. */
  ServingCore core() {
    return core;
  }

  /**
   * Runs {@code inputs} on signature {@code sig} of the version {@code h} holds, through the core (checked once,
   * batched, within {@code deadline}).
   */
  Map<String, HostTensor> run(ModelHandle h, SignatureInfo sig, Map<String, HostTensor> inputs, long deadline) {
    InferenceRequest request = InferenceRequest.of(h.name(), new VersionSelector.Number(h.version()), sig.key(),
        inputs);
    return core.infer(new CoreBackend.Acquired(h), request, deadline).outputs();
  }

  /** The deadline of a request that starts now, as a {@link System#nanoTime()} value. */
  long deadline() {
    return core.deadline();
  }
}
