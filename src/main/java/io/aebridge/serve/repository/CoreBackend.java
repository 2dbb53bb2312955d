package io.aebridge.serve.repository;

import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.serve.core.InferenceStatistics;
import io.aebridge.serve.core.ModelBackend;
import io.aebridge.serve.core.ServedModel;
import io.aebridge.serve.core.VersionSelector;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Plugs this server's {@link ModelRepository} (versions, labels, hot swap) and {@link Inference} (the batching
 * queue) into the protocol-neutral {@link io.aebridge.serve.core.ServingCore}. Thread-safe.
 */
public final class CoreBackend implements ModelBackend {
  private final ModelRepository repository;
  private final Inference inference;
  private final InferenceStatistics statistics;

  public CoreBackend(ModelRepository repository, Inference inference, InferenceStatistics statistics) {
    this.repository = repository;
    this.inference = inference;
    this.statistics = statistics;
  }

  @Override
  public Acquired acquire(String model, VersionSelector version) {
    ModelRepository.Selector selector;
    if (version instanceof VersionSelector.Number n) {
      selector = new ModelRepository.Specific(n.version());
    } else if (version instanceof VersionSelector.Label l) {
      selector = new ModelRepository.Label(l.label());
    } else {
      selector = new ModelRepository.Latest();
    }
    return new Acquired(repository.acquire(model, selector));
  }

  @Override
  public Map<String, HostTensor> run(ServedModel model, SignatureInfo signature, Map<String, HostTensor> inputs,
      long deadlineNanos) {
    return inference.run(handle(model), signature, inputs, deadlineNanos, statistics);
  }

  @Override
  public CompletableFuture<Map<String, HostTensor>> submit(ServedModel model, SignatureInfo signature,
      Map<String, HostTensor> inputs, long deadlineNanos) {
    return inference.submit(handle(model), signature, inputs, deadlineNanos, statistics);
  }

  /** The repository's handle behind {@code model}, for what only this server knows (the model card's image size). */
  public static ModelHandle handle(ServedModel model) {
    if (!(model instanceof Acquired a)) {
      throw new IllegalArgumentException(model + " was not acquired from this server's repository");
    }
    return a.handle();
  }

  /** A {@link ModelHandle} seen by the core; closing it releases the handle. */
  record Acquired(ModelHandle handle) implements ServedModel {
    @Override
    public String name() {
      return handle.name();
    }

    @Override
    public long version() {
      return handle.version();
    }

    @Override
    public Map<String, SignatureInfo> signatures() {
      return handle.signatures();
    }

    @Override
    public Optional<String> defaultSignature() {
      return Optional.ofNullable(handle.servable().defaultSignatureKey());
    }

    @Override
    public void close() {
      handle.close();
    }
  }
}
