package io.aebridge.serve.repository;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.SignatureInfo;
import io.aebridge.spec.SignatureNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One loaded version, shared by the repository and every request using it through a reference count. The
 * repository holds one reference from load until it retires the version; each {@link ModelHandle} holds one more.
 * The model is closed by whoever releases the last reference, so a retired version finishes its in-flight runs
 * first. Thread-safe.
 */
public final class Servable {
  /** The signature key TF Serving uses when a request names none. */
  static final String DEFAULT_SIGNATURE = SignatureNames.SERVING_DEFAULT;

  private final String name;
  private final long version;
  private final LoadedModel model;
  private final Map<String, SignatureInfo> signatures;
  private final int[] imageShape;
  private final AtomicInteger refs = new AtomicInteger(1);
  /** Opened when the model has been closed, for whoever waits for a retired version to drain. */
  private final CountDownLatch closed = new CountDownLatch(1);
  private final Runnable onClosed;
  private final Map<String, Inference.BatchQueue> batchQueues = new ConcurrentHashMap<>();

  Servable(String name, long version, LoadedModel model, Runnable onClosed) {
    this.name = name;
    this.version = version;
    this.model = model;
    this.onClosed = onClosed;
    Map<String, SignatureInfo> byKey = new LinkedHashMap<>();
    List<SignatureInfo> sorted = new ArrayList<>(model.signatures());
    sorted.sort(Comparator.comparing((SignatureInfo s) -> !s.key().equals(DEFAULT_SIGNATURE))
        .thenComparing(SignatureInfo::key));
    sorted.forEach(s -> byKey.put(s.key(), s));
    this.signatures = byKey;
    this.imageShape = readImageShape(model.path());
  }

  String name() {
    return name;
  }

  long version() {
    return version;
  }

  public LoadedModel model() {
    return model;
  }

  /** Signatures by key, {@code serving_default} first, then by key. */
  Map<String, SignatureInfo> signatures() {
    return signatures;
  }

  /** The signature used when a request names none: {@code serving_default}, or the only one; else {@code null}. */
  String defaultSignatureKey() {
    if (signatures.containsKey(DEFAULT_SIGNATURE)) {
      return DEFAULT_SIGNATURE;
    }
    return signatures.size() == 1 ? signatures.keySet().iterator().next() : null;
  }

  /** {@code [height, width, channels]} of one sample from the model card's spec, or {@code null} if unknown. */
  int[] imageShape() {
    return imageShape == null ? null : imageShape.clone();
  }

  /** The batch queue of signature {@code key}, made on first use; it goes away with this version. */
  Inference.BatchQueue batchQueue(String key, Supplier<Inference.BatchQueue> make) {
    return batchQueues.computeIfAbsent(key, k -> make.get());
  }

  /** Takes a reference unless the version is already closed or closing. */
  boolean tryAcquire() {
    for (;;) {
      int r = refs.get();
      if (r <= 0) {
        return false;
      }
      if (refs.compareAndSet(r, r + 1)) {
        return true;
      }
    }
  }

  /** Drops a reference; the last one closes the model. */
  void release() {
    int r = refs.decrementAndGet();
    if (r == 0) {
      try {
        model.close();
      } finally {
        try {
          onClosed.run();
        } finally {
          closed.countDown();
        }
      }
    } else if (r < 0) {
      throw new IllegalStateException("Servable " + name + "/" + version + " released more often than acquired");
    }
  }

  int refCount() {
    return refs.get();
  }

  /**
   * Waits until the last reference is released and the model closed, at most {@code nanos}.
   *
   * @return whether it was closed in time
   */
  boolean awaitClosed(long nanos) throws InterruptedException {
    return closed.await(nanos, TimeUnit.NANOSECONDS);
  }

  private static int[] readImageShape(Path versionDir) {
    Path card = versionDir.resolve(ModelLayout.MODEL_CARD_FILE);
    if (!Files.isRegularFile(card)) {
      return null;
    }
    try {
      JsonNode shape = new ObjectMapper().readTree(card.toFile()).path("spec").path("inputShape");
      if (shape.isArray() && shape.size() == 3 && shape.get(0).isInt() && shape.get(1).isInt()
          && shape.get(2).isInt()) {
        return new int[] {shape.get(0).asInt(), shape.get(1).asInt(), shape.get(2).asInt()};
      }
    } catch (IOException | RuntimeException e) {
      // A card we cannot read only means the image geometry is inferred from the signature instead.
    }
    return null;
  }

  @Override
  public String toString() {
    return name + "/" + version;
  }
}
