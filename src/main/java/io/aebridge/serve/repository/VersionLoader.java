package io.aebridge.serve.repository;

import io.aebridge.keras.KerasServing;
import io.aebridge.load.HostTensor;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLoadException;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.serve.ServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Loads one version folder into a {@link Servable}: checks it against the {@link OpPolicy}, loads it into
 * TensorFlow and warms it up. Called only by the repository's loading side, never on a request thread. Stateless
 * apart from its configuration; safe from several threads at once (start-up loads models in parallel).
 */
final class VersionLoader {
  private final OpPolicy ops;
  private final boolean warmup;

  private final ServerConfig.SessionThreads threads;

  VersionLoader(OpPolicy ops, boolean warmup, ServerConfig.SessionThreads threads) {
    this.ops = ops;
    this.warmup = warmup;
    this.threads = threads;
  }

  /** Why a version was not loaded: TF Serving's canonical code and a message without server paths. */
  static final class Failure extends Exception {
    private static final long serialVersionUID = 1L;
    final String code;

    Failure(String code, String message, Throwable cause) {
      super(message, cause, false, false);
      this.code = code;
    }
  }

  /**
   * Loads {@code dir} as version {@code version} of {@code model}. The returned servable holds the repository's
   * reference (the caller owns it); {@code onClosed} runs once when its last reference is released.
   *
   * @throws Failure with a {@code FAILED_PRECONDITION} (refused by the op policy) or {@code UNKNOWN} code
   */
  Servable load(String model, long version, Path dir, Runnable onClosed) throws Failure {
    LoadedModel loaded = null;
    try {
      // A Keras file is read by our importer, which builds the graph itself: the op allow-list has nothing to check.
      Path keras = KerasServing.kerasFile(dir);
      if (keras == null) {
        ops.check(dir);
      }
      loaded = keras == null ? LoadedModel.load(dir, threads.intraOp(), threads.interOp()) : KerasServing.load(keras);
      Servable servable = new Servable(model, version, loaded, onClosed);
      if (warmup) {
        warmUp(servable);
      }
      loaded = null;   // owned by the servable from here on
      return servable;
    } catch (OpPolicy.RefusedException e) {
      throw new Failure("FAILED_PRECONDITION", e.getMessage(), null);
    } catch (ModelLoadException e) {
      String message = e.getMessage().startsWith(dir + ": ") ? e.getMessage().substring(dir.toString().length() + 2)
          : e.getMessage();
      throw new Failure("UNKNOWN", message, null);
    } catch (IOException | UncheckedIOException e) {
      throw new Failure("UNKNOWN", "cannot read the version folder: " + e.getMessage(), null);
    } catch (RuntimeException e) {
      throw new Failure("UNKNOWN", "the model does not run: " + e.getMessage(), e);
    } finally {
      if (loaded != null) {
        loaded.close();
      }
    }
  }

  /** Runs each signature once on zeros (batch of one) so the first request does not pay for graph setup. */
  private static void warmUp(Servable servable) {
    for (SignatureInfo sig : servable.signatures().values()) {
      Map<String, HostTensor> inputs = new LinkedHashMap<>();
      for (TensorSpec in : sig.inputs()) {
        long[] dims = zeroBatchShape(in);
        if (dims == null) {
          inputs = null;
          break;
        }
        inputs.put(in.key(), HostTensor.ofDoubles(dims, new double[(int) count(dims)]).castTo(in.dtype()));
      }
      if (inputs != null && !inputs.isEmpty() && sig.outputs().stream().allMatch(o -> HostTensor.supports(o.dtype()))) {
        try {
          servable.model().run(sig.key(), inputs);
        } catch (RuntimeException e) {
          throw new IllegalStateException("warm-up run of signature '" + sig.key() + "' failed: " + e.getMessage(),
              e);
        }
      }
    }
  }

  /** The input's shape with a batch of one, or {@code null} when it cannot be made up (unknown rank or dims). */
  private static long[] zeroBatchShape(TensorSpec in) {
    long[] shape = in.shape();
    if (shape == null || !HostTensor.supports(in.dtype())) {
      return null;
    }
    long[] dims = shape.clone();
    for (int i = 0; i < dims.length; i++) {
      if (dims[i] < 0) {
        if (i > 0) {
          return null;
        }
        dims[i] = 1;
      }
    }
    return dims;
  }

  private static long count(long[] dims) {
    long n = 1;
    for (long d : dims) {
      n *= d;
    }
    return n;
  }
}
