package io.aebridge.evaluate;

import io.aebridge.data.Dataset;
import java.util.Objects;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.op.linalg.SelfAdjointEig;
import org.tensorflow.op.math.Mean;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * Principal component analysis, the linear baseline an autoencoder of the same code size is compared with (Hinton
 * &amp; Salakhutdinov 2006: PCA ≈ 0.0177 squared error per pixel on MNIST with 30 components).
 *
 * <p>{@link #fit} runs in TensorFlow, in float64: it centres the samples, forms the covariance
 * {@code Xcᵀ·Xc / (n−1)} with one {@code MatMul}, and decomposes it with TensorFlow's {@code SelfAdjointEigV2};
 * the {@code k} eigenvectors of largest eigenvalue are the components. {@link #project} and {@link #reconstruct}
 * also run as TensorFlow ops. Each call builds, runs and closes its own small graph; afterwards a {@code Pca}
 * holds only heap arrays (mean, components, eigenvalues), so it needs no closing, is immutable and is safe to share
 * between threads.
 *
 * <p>Reconstructions are returned unclipped (a linear model can leave [0,1]); the evaluator clips them to
 * [ε, 1−ε] only for the binary cross-entropy figure (see {@link Metrics#binaryCrossEntropy}), never for MSE.
 *
 * <p>Every sample is flattened to {@code height·width·channels} values; data fed to {@link #project} must have the
 * sample size of the training data.
 */
public final class Pca {
  /** Samples per TensorFlow run in {@link #project} and {@link #reconstruct}, bounding native memory. */
  static final int CHUNK = 2048;

  private final int dimension;
  private final int components;
  private final double[] mean;
  /** {@code components × dimension}, row-major: row i is the i-th principal axis (unit length). */
  private final double[] axes;
  /** The eigenvalues (variances along the axes) of the kept components, largest first. */
  private final double[] variances;
  private final double totalVariance;
  private final int trainSamples;
  private final String trainSource;

  private Pca(int dimension, int components, double[] mean, double[] axes, double[] variances, double totalVariance,
      int trainSamples, String trainSource) {
    this.dimension = dimension;
    this.components = components;
    this.mean = mean;
    this.axes = axes;
    this.variances = variances;
    this.totalVariance = totalVariance;
    this.trainSamples = trainSamples;
    this.trainSource = trainSource;
  }

  /**
   * Fits {@code k} components to {@code train}.
   *
   * @param train at least 2 samples; each flattened to {@code height·width·channels} values
   * @param k components to keep, {@code 1 ≤ k ≤ height·width·channels}
   * @throws IllegalArgumentException for fewer than 2 samples or {@code k} out of range
   */
  public static Pca fit(Dataset train, int k) {
    Objects.requireNonNull(train, "train");
    int n = train.count();
    int d = train.sampleSize();
    if (n < 2) {
      throw new IllegalArgumentException("PCA needs at least 2 samples, found " + n + " in " + train.source());
    }
    if (k < 1 || k > d) {
      throw new IllegalArgumentException("PCA components must lie in [1, " + d + "] (the sample size of "
          + train.source() + "), found " + k);
    }
    double[] mean = new double[d];
    double[] eigenvalues = new double[d];
    double[] eigenvectors = new double[d * d];
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(n, d)));
      Operand<TFloat64> samples = tf.dtypes.cast(x, TFloat64.class);
      Operand<TFloat64> centre = tf.math.mean(samples, tf.constant(0), Mean.keepDims(true));
      Operand<TFloat64> centred = tf.math.sub(samples, centre);
      Operand<TFloat64> covariance = tf.math.div(
          tf.linalg.matMul(centred, centred, MatMul.transposeA(true)), tf.constant((double) (n - 1)));
      SelfAdjointEig<TFloat64> eig = tf.linalg.selfAdjointEig(covariance, SelfAdjointEig.computeV(true));
      try (Session session = new Session(graph);
          TFloat32 xs = TFloat32.tensorOf(Shape.of(n, d), DataBuffers.of(train.values(), true, false));
          Result result = session.runner().feed(x, xs).fetch(centre).fetch(eig.e()).fetch(eig.v()).run()) {
        ((TFloat64) result.get(0)).copyTo(DataBuffers.of(mean, false, false));
        ((TFloat64) result.get(1)).copyTo(DataBuffers.of(eigenvalues, false, false));
        ((TFloat64) result.get(2)).copyTo(DataBuffers.of(eigenvectors, false, false));
      }
    }
    // SelfAdjointEigV2 sorts eigenvalues ascending; column c of v (row-major d×d) is the eigenvector of e[c].
    double total = 0;
    for (double e : eigenvalues) {
      total += Math.max(e, 0);
    }
    double[] axes = new double[k * d];
    double[] variances = new double[k];
    for (int i = 0; i < k; i++) {
      int column = d - 1 - i;
      variances[i] = Math.max(eigenvalues[column], 0);
      int largest = 0;
      for (int r = 0; r < d; r++) {
        axes[i * d + r] = eigenvectors[r * d + column];
        if (Math.abs(axes[i * d + r]) > Math.abs(axes[i * d + largest])) {
          largest = r;
        }
      }
      // An eigenvector's sign is arbitrary: make its largest entry positive so fits are reproducible.
      if (axes[i * d + largest] < 0) {
        for (int r = 0; r < d; r++) {
          axes[i * d + r] = -axes[i * d + r];
        }
      }
    }
    return new Pca(d, k, mean, axes, variances, total, n, train.source());
  }

  /** Values per sample the model was fitted on. */
  public int dimension() {
    return dimension;
  }

  /** Number of kept components k. */
  public int components() {
    return components;
  }

  /** Samples the model was fitted on. */
  public int trainSamples() {
    return trainSamples;
  }

  /** Where the training data came from ({@link Dataset#source()}). */
  public String trainSource() {
    return trainSource;
  }

  /** The training mean, {@code dimension} values (a copy). */
  public double[] mean() {
    return mean.clone();
  }

  /** Component {@code i} (0 = largest variance): a unit vector of {@code dimension} values (a copy). */
  public double[] component(int i) {
    Objects.checkIndex(i, components);
    double[] out = new double[dimension];
    System.arraycopy(axes, i * dimension, out, 0, dimension);
    return out;
  }

  /** Variance of the training data along each kept component, largest first (a copy). */
  public double[] explainedVariance() {
    return variances.clone();
  }

  /** Total variance of the training data: the trace of its covariance. */
  public double totalVariance() {
    return totalVariance;
  }

  /** Fraction of the training data's variance the kept components explain, in [0,1] (1 for constant data). */
  public double explainedVarianceRatio() {
    if (totalVariance == 0) {
      return 1;
    }
    double kept = 0;
    for (double v : variances) {
      kept += v;
    }
    return Math.min(1, kept / totalVariance);
  }

  /** Codes of {@code data}: {@code count × k}, row-major, {@code (x − mean)·Vₖ}. */
  public float[] project(Dataset data) {
    return run(data, false);
  }

  /** Reconstructions of {@code data} from their k-dimensional codes, shaped like {@code data}, unclipped. */
  public float[] reconstruct(Dataset data) {
    return run(data, true);
  }

  private float[] run(Dataset data, boolean reconstruct) {
    Objects.requireNonNull(data, "data");
    if (data.sampleSize() != dimension) {
      throw new IllegalArgumentException("PCA was fitted on samples of " + dimension + " values, " + data.source()
          + " has " + data.sampleSize());
    }
    int width = reconstruct ? dimension : components;
    float[] out = new float[Math.multiplyExact(data.count(), width)];
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Placeholder<TFloat32> x =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE, dimension)));
      Placeholder<TFloat64> centre = tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(1, dimension)));
      Placeholder<TFloat64> basis =
          tf.placeholder(TFloat64.class, Placeholder.shape(Shape.of(components, dimension)));
      Operand<TFloat64> codes = tf.linalg.matMul(tf.math.sub(tf.dtypes.cast(x, TFloat64.class), centre), basis,
          MatMul.transposeB(true));
      Operand<TFloat64> fetched = reconstruct ? tf.math.add(tf.linalg.matMul(codes, basis), centre) : codes;
      Operand<TFloat32> result32 = tf.dtypes.cast(fetched, TFloat32.class);
      try (Session session = new Session(graph);
          TFloat64 centreTensor = TFloat64.tensorOf(Shape.of(1, dimension), DataBuffers.of(mean, true, false));
          TFloat64 basisTensor =
              TFloat64.tensorOf(Shape.of(components, dimension), DataBuffers.of(axes, true, false))) {
        for (int first = 0; first < data.count(); first += CHUNK) {
          int n = Math.min(CHUNK, data.count() - first);
          var in = DataBuffers.of(data.values(), true, false).offset((long) first * dimension)
              .narrow((long) n * dimension);
          try (TFloat32 xs = TFloat32.tensorOf(Shape.of(n, dimension), in);
              Result result = session.runner().feed(x, xs).feed(centre, centreTensor).feed(basis, basisTensor)
                  .fetch(result32).run()) {
            ((TFloat32) result.get(0)).copyTo(
                DataBuffers.of(out, false, false).offset((long) first * width).narrow((long) n * width));
          }
        }
      }
    }
    return out;
  }

  @Override
  public String toString() {
    return "Pca[" + components + " of " + dimension + " dimensions, " + String.format(java.util.Locale.ROOT, "%.1f%%",
        100 * explainedVarianceRatio()) + " of the variance, fitted on " + trainSamples + " samples]";
  }
}
