package io.aebridge.serve.repository;

import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A counted reference to one loaded version: while it is open the version cannot be closed, even if a newer one
 * replaced it. Get one from {@link ModelRepository#acquire}, use it in try-with-resources; {@link #close()} is
 * idempotent. Safe to use from several threads.
 */
public final class ModelHandle implements AutoCloseable {
  private final Servable servable;
  private final AtomicBoolean released = new AtomicBoolean();

  ModelHandle(Servable servable) {
    this.servable = servable;
  }

  public String name() {
    return servable.name();
  }

  public long version() {
    return servable.version();
  }

  /** Signatures by key, {@code serving_default} first. */
  public Map<String, SignatureInfo> signatures() {
    return servable.signatures();
  }

  /** Image geometry {@code [h, w, c]} from the model card, or {@code null}. */
  public int[] imageShape() {
    return servable.imageShape();
  }

  /** Runs signature {@code key} directly (no batching). */
  public Map<String, HostTensor> run(String key, Map<String, HostTensor> inputs) {
    checkOpen();
    return servable.model().run(key, inputs);
  }

  /** A second, independent reference to the same version (for work that may outlive this handle). */
  ModelHandle retain() {
    checkOpen();
    if (!servable.tryAcquire()) {
      throw new IllegalStateException("Servable " + servable + " closed while a handle was open");
    }
    return new ModelHandle(servable);
  }

  public Servable servable() {
    return servable;
  }

  private void checkOpen() {
    if (released.get()) {
      throw new IllegalStateException("Handle on " + servable + " is closed");
    }
  }

  @Override
  public void close() {
    if (!released.getAndSet(true)) {
      servable.release();
    }
  }

  @Override
  public String toString() {
    return "ModelHandle[" + servable + "]";
  }
}
