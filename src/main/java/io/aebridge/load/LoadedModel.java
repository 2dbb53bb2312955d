package io.aebridge.load;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TFloat32;

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
  /** Guards {@link #jacobianOps}: analysis ops are added to the graph at most once per signature. */
  private final Object analysisLock = new Object();
  private final Map<String, JacobianOps> jacobianOps = new HashMap<>();

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
    return load(dir, 0, 0);
  }

  /**
   * Loads the SavedModel in {@code dir} with TensorFlow's thread pools sized as given ({@code ConfigProto}'s
   * {@code intra_op_parallelism_threads} / {@code inter_op_parallelism_threads}; 0 lets TensorFlow choose from the
   * cores, as {@link #load(Path)} does).
   *
   * @throws ModelLoadException when the folder is missing, incomplete or TensorFlow rejects it
   */
  public static LoadedModel load(Path dir, int intraOpThreads, int interOpThreads) throws ModelLoadException {
    if (!Files.isRegularFile(dir.resolve(ModelLayout.SAVED_MODEL_FILE))) {
      throw new ModelLoadException(dir, "no " + ModelLayout.SAVED_MODEL_FILE + " (expected a SavedModel folder, "
          + "e.g. saved-models/<name>/<version>/)", null);
    }
    SavedModelBundle bundle;
    try {
      SavedModelBundle.Loader loader = SavedModelBundle.loader(dir.toString()).withTags(SavedModelBundle.DEFAULT_TAG);
      if (intraOpThreads > 0 || interOpThreads > 0) {
        loader.withConfigProto(ConfigProto.newBuilder().setIntraOpParallelismThreads(intraOpThreads)
            .setInterOpParallelismThreads(interOpThreads).build());
      }
      bundle = loader.load();
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
   * @return every output by key, in the signature's (key-sorted) order, copied to the heap (no native handle escapes)
   * @throws SignatureNotFoundException for an unknown key
   * @throws InvalidInputException for missing/unknown inputs or a dtype/shape mismatch
   */
  public Map<String, HostTensor> run(String key, Map<String, HostTensor> inputs) {
    SignatureInfo info = signature(key);
    info.checkInputs(inputs);
    List<Tensor> fed = new ArrayList<>();
    try {
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      for (TensorSpec spec : info.inputs()) {
        HostTensor value = inputs.get(spec.key());
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

  /**
   * Exact per-sample Frobenius norms {@code ‖∂y/∂x‖_F} of signature {@code key}'s output {@code y} with respect to
   * its input {@code x}, for analysis tools (the evaluator's contractive figure).
   *
   * <p>For each of the K output values per sample (K = product of the output's non-batch dimensions, which must be
   * fixed in the signature) it runs the gradient of {@code Σ_batch y_j} with respect to {@code x}: row j of every
   * sample's Jacobian, since samples do not interact. So the cost is K forward+backward passes over the batch —
   * keep K and the batch small (the evaluator caps K at 256 and the batch at a few hundred samples).
   *
   * <p>Thread-safety and side effect: the first call for a signature adds gradient ops to this model's graph
   * (once, under a lock; later calls reuse them). The signatures and {@link #run} are unaffected, but a graph must
   * not change while it runs: do not call this on a model that is serving traffic — load a separate copy for
   * analysis.
   *
   * @param key a signature with exactly one float32 input of rank ≥ 2 and one float32 output, e.g. {@code encode}
   * @param input a batch for that input, {@code [N, …]}
   * @return {@code N} norms, one per sample
   * @throws SignatureNotFoundException for an unknown key
   * @throws InvalidInputException when {@code input} does not fit the signature
   * @throws IllegalArgumentException when the signature does not have one float input and one float output of
   *     known per-sample size
   */
  public double[] jacobianFrobeniusNorms(String key, HostTensor input) {
    SignatureInfo info = signature(key);
    if (info.inputs().size() != 1 || info.outputs().size() != 1) {
      throw new IllegalArgumentException("Jacobian needs a signature with one input and one output; '" + key
          + "' has inputs " + info.inputs() + " and outputs " + info.outputs());
    }
    TensorSpec in = info.inputs().get(0);
    TensorSpec out = info.outputs().get(0);
    if (in.dtype() != DataType.DT_FLOAT || out.dtype() != DataType.DT_FLOAT) {
      throw new IllegalArgumentException("Jacobian needs float32 input and output; '" + key + "' has " + in + " → "
          + out);
    }
    if (!in.rankKnown() || in.shape().length < 2) {
      throw new IllegalArgumentException("Jacobian needs an input of rank ≥ 2 ([batch, …]); '" + key + "' has " + in);
    }
    if (!out.rankKnown() || out.shape().length < 1
        || Arrays.stream(out.shape()).skip(1).anyMatch(d -> d < 0)) {
      throw new IllegalArgumentException("Jacobian needs an output with fixed per-sample dimensions; '" + key
          + "' has " + out);
    }
    info.checkInputs(Map.of(in.key(), input));
    long units = Arrays.stream(out.shape()).skip(1).reduce(1, Math::multiplyExact);
    JacobianOps ops = jacobianOps(key, in, out, Math.toIntExact(units));
    int samples = Math.toIntExact(input.shape()[0]);
    double[] squared = new double[samples];
    float[] selector = new float[ops.units()];
    try (Tensor x = input.toTensor()) {
      for (int j = 0; j < ops.units(); j++) {
        Arrays.fill(selector, 0f);
        selector[j] = 1f;
        try (TFloat32 w = TFloat32.tensorOf(Shape.of(ops.units()), DataBuffers.of(selector, true, false));
            Result result = bundle.session().runner().feed(ops.input(), x).feed(ops.selector(), w)
                .fetch(ops.squaredRowNorms()).run()) {
          TFloat32 rows = (TFloat32) result.get(0);
          for (int i = 0; i < samples; i++) {
            squared[i] += rows.getFloat(i);
          }
        }
      }
    }
    for (int i = 0; i < samples; i++) {
      squared[i] = Math.sqrt(squared[i]);
    }
    return squared;
  }

  /**
   * The ops behind {@link #jacobianFrobeniusNorms}: a fed one-hot {@code selector} over the K output values, the
   * gradient of {@code Σ_batch Σ_j selector_j·y_j} with respect to the input, and its squared norm per sample.
   */
  private record JacobianOps(Output<TFloat32> input, Placeholder<TFloat32> selector,
      Operand<TFloat32> squaredRowNorms, int units) {}

  private JacobianOps jacobianOps(String key, TensorSpec in, TensorSpec out, int units) {
    synchronized (analysisLock) {
      checkOpen();
      JacobianOps cached = jacobianOps.get(key);
      if (cached != null) {
        return cached;
      }
      Graph graph = bundle.graph();
      Ops tf = Ops.create(graph).withSubScope("aebridge_jacobian_" + key.replaceAll("[^A-Za-z0-9_.-]", "_"));
      Output<TFloat32> x = graph.outputOrThrow(in.tensorName()).expect(TFloat32.class);
      Output<TFloat32> y = graph.outputOrThrow(out.tensorName()).expect(TFloat32.class);
      Placeholder<TFloat32> selector = tf.withName("selector")
          .placeholder(TFloat32.class, Placeholder.shape(Shape.of(units)));
      Operand<TFloat32> flat = tf.reshape(y, tf.constant(new long[] {-1, units}));
      Operand<TFloat32> selected = tf.reduceSum(tf.math.mul(flat, selector), tf.constant(new int[] {0, 1}));
      Output<TFloat32> dx = tf.gradients(selected, List.of(x)).dy(0);
      int[] sampleAxes = new int[in.shape().length - 1];
      Arrays.setAll(sampleAxes, i -> i + 1);
      Operand<TFloat32> squared = tf.withName("squared_row_norms")
          .reduceSum(tf.math.square(dx), tf.constant(sampleAxes));
      JacobianOps ops = new JacobianOps(x, selector, squared, units);
      jacobianOps.put(key, ops);
      return ops;
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
