package io.aebridge.serve;

/** What the endpoint classes share: the configuration, the models, the batcher, the metrics, the op policy. */
record Services(ServerConfig config, ModelRepository repository, Inference inference, ServerMetrics metrics,
    OpPolicy ops) {

  /** The deadline of a request that starts now, as a {@link System#nanoTime()} value. */
  long deadline() {
    return System.nanoTime() + config.requestTimeout().toNanos();
  }
}
