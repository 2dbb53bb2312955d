package io.aebridge.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.SignatureDef;

/**
 * A SavedModel loaded with tag {@code serve}, from Java or Python alike. Signatures are read from the model itself
 * — keys, input/output names, dtypes and shapes — so Keras's {@code keras_tensor_12}/{@code output_0} names need
 * no special casing.
 *
 * <p>Owns the {@link SavedModelBundle} (graph + session): close it to free native memory; every method throws
 * {@link IllegalStateException} after close. {@link #run} may be called from several threads at once (TensorFlow
 * sessions are thread-safe), but not concurrently with {@link #close()}: callers that swap models must drain
 * in-flight runs first.
 */
public final class LoadedModel implements AutoCloseable {
  /** SavedModel signature keys that mark init ops rather than callable functions. */
  private static final String INTERNAL_PREFIX = "__";

  private final Path path;
  private final SavedModelBundle bundle;
  private final Map<String, SignatureInfo> signatures;
  private final AtomicBoolean closed = new AtomicBoolean();

  private LoadedModel(Path path, SavedModelBundle bundle, Map<String, SignatureInfo> signatures) {
    this.path = path;
    this.bundle = bundle;
    this.signatures = signatures;
  }

  /**
   * Loads the SavedModel in {@code dir} (a version folder holding {@code saved_model.pb}).
   *
   * @throws ModelLoadException when the folder is missing, incomplete or TensorFlow rejects it
   */
  public static LoadedModel load(Path dir) throws ModelLoadException {
    if (!Files.isRegularFile(dir.resolve(ModelLayout.SAVED_MODEL_FILE))) {
      throw new ModelLoadException(dir, "no " + ModelLayout.SAVED_MODEL_FILE + " (expected a SavedModel folder, "
          + "e.g. saved-models/<name>/<version>/)", null);
    }
    SavedModelBundle bundle;
    try {
      bundle = SavedModelBundle.load(dir.toString(), SavedModelBundle.DEFAULT_TAG);
    } catch (TensorFlowException | IllegalArgumentException | IllegalStateException e) {
      throw new ModelLoadException(dir, "TensorFlow could not load it: " + e.getMessage(), e);
    }
    try {
      Map<String, SignatureInfo> signatures = new LinkedHashMap<>();
      for (Map.Entry<String, SignatureDef> e : bundle.metaGraphDef().getSignatureDefMap().entrySet()) {
        if (!e.getKey().startsWith(INTERNAL_PREFIX)) {
          signatures.put(e.getKey(), SignatureInfo.of(e.getKey(), e.getValue()));
        }
      }
      if (signatures.isEmpty()) {
        throw new ModelLoadException(dir, "the SavedModel has no callable signature", null);
      }
      return new LoadedModel(dir, bundle, signatures);
    } catch (ModelLoadException | RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  public Path path() {
    return path;
  }

  /** Every callable signature, in the order the model lists them. */
  public List<SignatureInfo> signatures() {
    checkOpen();
    return List.copyOf(signatures.values());
  }

  /** The signature {@code key}, or {@link SignatureNotFoundException} listing those that exist. */
  public SignatureInfo signature(String key) {
    checkOpen();
    SignatureInfo info = signatures.get(key);
    if (info == null) {
      throw new SignatureNotFoundException(key, path.toString(), new ArrayList<>(signatures.keySet()));
    }
    return info;
  }

  /** The names of the graph's op types, for allow-list checks. */
  public List<String> opTypes() {
    checkOpen();
    List<String> types = new ArrayList<>();
    bundle.graph().operations().forEachRemaining(op -> types.add(op.type()));
    return types;
  }

  /**
   * Runs signature {@code key}.
   *
   * @param inputs one tensor per signature input, by input key; dtypes must match exactly, shapes where fixed
   * @return every output by key, in signature order, copied to the heap (no native handle escapes)
   * @throws SignatureNotFoundException for an unknown key
   * @throws InvalidInputException for missing/unknown inputs or a dtype/shape mismatch
   */
  public Map<String, HostTensor> run(String key, Map<String, HostTensor> inputs) {
    SignatureInfo info = signature(key);
    for (String name : inputs.keySet()) {
      if (info.inputs().stream().noneMatch(t -> t.key().equals(name))) {
        throw new InvalidInputException("Signature '" + key + "' has no input '" + name + "'; expected inputs "
            + info.inputs().stream().map(TensorSpec::key).toList());
      }
    }
    List<Tensor> fed = new ArrayList<>();
    try {
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      for (TensorSpec spec : info.inputs()) {
        HostTensor value = inputs.get(spec.key());
        if (value == null) {
          throw new InvalidInputException("Signature '" + key + "' needs input '" + spec.key() + "' (" + spec.dtype()
              + " " + spec.shapeText() + "); got " + inputs.keySet());
        }
        if (value.dtype() != spec.dtype()) {
          throw new InvalidInputException("Input '" + spec.key() + "' of signature '" + key + "' expects "
              + spec.dtype() + ", got " + value.dtype());
        }
        if (!spec.accepts(value.shape())) {
          throw new InvalidInputException("Input '" + spec.key() + "' of signature '" + key + "' expects shape "
              + spec.shapeText() + ", got " + java.util.Arrays.toString(value.shape()));
        }
        Tensor t = value.toTensor();
        fed.add(t);
        feeds.put(spec.key(), t);
      }
      Map<String, HostTensor> outputs = new LinkedHashMap<>();
      try (Result result = bundle.function(key).call(feeds)) {
        for (TensorSpec out : info.outputs()) {
          Tensor t = result.get(out.key()).orElseThrow(() -> new IllegalStateException(
              "Signature '" + key + "' returned no output '" + out.key() + "'"));
          outputs.put(out.key(), HostTensor.copyOf(t));
        }
      }
      return outputs;
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("Model " + path + " is closed");
    }
  }

  /** Closes the session and graph. Idempotent. */
  @Override
  public void close() {
    if (!closed.getAndSet(true)) {
      bundle.close();
    }
  }
}
