package io.aebridge.serve;

import io.aebridge.serve.core.InferenceStatistics;
import io.aebridge.serve.core.ServingCore;
import io.aebridge.serve.repository.CoreBackend;
import io.aebridge.serve.repository.Inference;
import io.aebridge.serve.repository.ModelRepository;
import io.aebridge.serve.repository.OpPolicy;

/**
 * What the endpoint classes share: the configuration, the models, the batcher, the metrics, the op policy, and the
 * protocol-neutral {@link ServingCore} built on the models and the batcher (front-ends run requests through it).
 */
public final class Services {
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
    InferenceStatistics statistics = new InferenceStatistics();
    this.core = new ServingCore(new CoreBackend(repository, inference, statistics), config.limits().maxBatch(),
        config.requestTimeout(), statistics);
  }

  public ServerConfig config() {
    return config;
  }

  public ModelRepository repository() {
    return repository;
  }

  Inference inference() {
    return inference;
  }

  ServerMetrics metrics() {
    return metrics;
  }

  public OpPolicy ops() {
    return ops;
  }

  /** The serving core every front-end (REST, V2, gRPC) runs requests through. */
  public ServingCore core() {
    return core;
  }

  /** The deadline of a request that starts now, as a {@link System#nanoTime()} value. */
  public long deadline() {
    return core.deadline();
  }
}
