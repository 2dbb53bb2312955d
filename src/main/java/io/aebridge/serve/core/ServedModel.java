package io.aebridge.serve.core;

import io.aebridge.load.SignatureInfo;
import java.util.Map;
import java.util.Optional;

/**
 * A counted reference to one loaded version of a model, from {@link ModelBackend#acquire}: while it is open the
 * version is not closed, even when a newer one replaces it. Use it in try-with-resources; {@link #close()} releases
 * the reference and is idempotent. Safe to use from several threads.
 */
public interface ServedModel extends AutoCloseable {
  String name();

  long version();

  /** The callable signatures by key, the default one first. */
  Map<String, SignatureInfo> signatures();

  /** The signature a request naming none runs: {@code serving_default}, or the only signature; else empty. */
  Optional<String> defaultSignature();

  /** Releases this reference. Idempotent. */
  @Override
  void close();
}
