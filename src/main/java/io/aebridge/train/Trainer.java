package io.aebridge.train;

import io.aebridge.data.Dataset;
import io.aebridge.graph.AutoencoderGraph;
import io.aebridge.graph.InitialParameters;
import io.aebridge.graph.ModelWeights;
import io.aebridge.graph.Objective;
import io.aebridge.graph.ParameterFactory;
import io.aebridge.graph.SeededParameters;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.LossKind;
import io.aebridge.spec.ModelKind;
import io.aebridge.spec.TrainingSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.optimizers.AdaDelta;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.framework.optimizers.GradientDescent;
import org.tensorflow.framework.optimizers.Momentum;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.framework.optimizers.RMSProp;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.OptimizerOptions.GlobalJitLevel;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Trains an {@link AutoencoderSpec} on {@link TrainingData} with TensorFlow Java ops.
 *
 * <p>Each epoch visits the training samples in a fresh seeded order. The training set becomes one tensor (two for
 * paired data) when training starts, fed to every step by reference; the graph gathers each batch from it by the
 * indices fed with the step, so a step copies {@code batch} ints from Java instead of two batches of samples.
 * Denoising specs corrupt each batch's input afresh in Java and feed it (the clean sample, gathered in the graph,
 * stays the target); their validation inputs are corrupted once, with a fixed seed. Every tensor is closed when
 * its step or the training ends, so native memory does not grow over epochs. The same spec, data and seed give
 * the same weights and losses.
 *
 * <p>Dense kinds train with XLA auto-clustering when the run is long enough to repay the compilation (see
 * {@link #XLA_MIN_STEPS}): XLA fuses the element-wise work of the loss, the activations and their gradients,
 * which dominates a step of a small dense model. Convolutional kinds never use it: XLA's CPU convolutions and
 * their gradients ran ~30× slower than oneDNN's on the benchmark's conv model.
 *
 * <p>One trainer trains one model at a time; {@link #cancel()} may be called from any thread (e.g. a Ctrl-C hook)
 * and stops training after the current step with {@link TrainingCancelledException}.
 */
public final class Trainer {
  /** Keras's Adam/RMSprop/AdaDelta epsilon (tensorflow-framework defaults to 1e-8). */
  static final float KERAS_EPSILON = 1e-7f;
  static final int EVALUATION_BATCH = 1000;

  /**
   * Dense runs of at least this many steps (epochs × batches) train with XLA. Compiling a step takes about a second
   * per batch shape on two cores (the full batches, the last partial one, and each evaluation batch size), which
   * a few hundred steps of a faster step repay; short runs (tests, quick demos) skip it.
   */
  static final int XLA_MIN_STEPS = 400;

  /** Session options for training; TensorFlow's defaults (all cores for intra- and inter-op work), no XLA. */
  static final ConfigProto SESSION_CONFIG = ConfigProto.newBuilder().build();

  /** {@link #SESSION_CONFIG} with XLA auto-clustering of the whole training graph. */
  static final ConfigProto XLA_SESSION_CONFIG;

  static {
    ConfigProto.Builder xla = SESSION_CONFIG.toBuilder();
    xla.getGraphOptionsBuilder().getOptimizerOptionsBuilder().setGlobalJitLevel(GlobalJitLevel.ON_1);
    XLA_SESSION_CONFIG = xla.build();
  }

  private final AtomicBoolean cancelled = new AtomicBoolean();
  private final Boolean xla;

  /** A trainer that picks XLA by itself (dense kinds, long runs). */
  public Trainer() {
    this(null);
  }

  /** A trainer with XLA forced on or off ({@code null}: by itself); for tests and measurements. */
  Trainer(Boolean xla) {
    this.xla = xla;
  }

  /** Asks a running {@link #train} to stop after its current step. */
  public void cancel() {
    cancelled.set(true);
  }

  /**
   * Trains a new model.
   *
   * @return the trained model; the caller owns it and must close it
   * @throws IllegalArgumentException when the data does not fit the spec
   * @throws TrainingDivergedException when the loss becomes NaN or infinite
   * @throws TrainingCancelledException when {@link #cancel()} was called
   */
  public TrainedModel train(AutoencoderSpec spec, TrainingData data, ProgressListener listener) {
    return train(spec, data, listener, null);
  }

  /**
   * Trains a model that starts from {@code initial} instead of fresh seeded weights, e.g. weights imported from a
   * Keras file ({@code io.aebridge.keras.KerasSpec}); otherwise as {@link #train(AutoencoderSpec, TrainingData,
   * ProgressListener)}.
   *
   * @param initial a value for every variable of {@code spec}'s graph, by graph name ({@code encoder_code_kernel}
   *     …), or {@code null} for fresh seeded weights
   * @throws IllegalArgumentException also when {@code initial} lacks a variable, has one of another shape, or has
   *     one the graph does not use
   */
  public TrainedModel train(AutoencoderSpec spec, TrainingData data, ProgressListener listener,
      ModelWeights initial) {
    checkShapes(spec, data.inputs());
    LossKind loss = spec.resolvedLoss(data.inUnitInterval());
    if (loss == LossKind.BCE && !data.targets().isUnitInterval()) {
      float[] range = data.targets().range();
      throw new IllegalArgumentException("loss bce needs targets in [0,1], found values in [" + range[0] + ", "
          + range[1] + "] (" + data.targets().source() + "); use loss mse or auto, or scale the data");
    }
    TrainingSpec training = spec.training();
    TrainingData split = withValidationSplit(data, training);
    Dataset validationInputs = split.validationInputs();
    if (validationInputs != null && spec.corruption() != null) {
      validationInputs = corrupted(spec, validationInputs, training.seed() ^ 0x5DEECE66DL);
    }

    Graph graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      TrainingSet set = TrainingSet.build(tf, spec, split.targets() != split.inputs());
      ParameterFactory params =
          initial == null ? new SeededParameters(training.seed()) : new InitialParameters(initial);
      AutoencoderGraph model = AutoencoderGraph.build(tf, spec, params, set.batchInputs());
      if (params instanceof InitialParameters given) {
        given.checkAllUsed();
      }
      Objective objective = Objective.build(tf, model, spec, loss, set.batchTargets());
      Op step = optimizer(graph, training).minimize(objective.total(), "train");
      Session session = new Session(graph, sessionConfig(usesXla(spec, split.inputs().count())));
      try (TrainingSet.Tensors all = set.tensors(split)) {
        TrainingHistory history =
            loop(spec, loss, split, validationInputs, session, set, all, model, objective, step, listener);
        return new TrainedModel(spec, loss, graph, session, model, objective, params.variables(), history);
      } catch (RuntimeException | Error e) {
        session.close();
        throw e;
      }
    } catch (RuntimeException | Error e) {
      graph.close();
      throw e;
    }
  }

  /** Whether a run of {@code spec} on {@code count} training samples trains with XLA. */
  public boolean usesXla(AutoencoderSpec spec, int count) {
    if (xla != null) {
      return xla;
    }
    int batch = Math.min(spec.training().batchSize(), count);
    long steps = (long) spec.training().epochs() * ((count + batch - 1) / batch);
    return spec.kind() != ModelKind.CONVOLUTIONAL && steps >= XLA_MIN_STEPS;
  }

  /**
   * The training session's options: {@link #SESSION_CONFIG}, or {@link #XLA_SESSION_CONFIG} after allowing XLA to
   * cluster CPU ops for sessions that ask for it (TensorFlow's C API; the {@code TF_XLA_FLAGS} switches
   * {@code --tf_xla_cpu_global_jit} and {@code --tf_xla_enable_lazy_compilation=false}). The switches are
   * process-wide but only widen what a session's own {@code global_jit_level} may do: sessions that leave it at
   * its default (every serving session) are not compiled.
   */
  static ConfigProto sessionConfig(boolean xla) {
    if (!xla) {
      return SESSION_CONFIG;
    }
    org.tensorflow.internal.c_api.global.tensorflow.TF_SetTfXlaCpuGlobalJit((byte) 1);
    // Compile each batch shape when it first runs, not after it has run a few times uncompiled: otherwise the last,
    // partial batch of every epoch compiles in epoch 2 or 3 and stalls it for a second.
    org.tensorflow.internal.c_api.global.tensorflow.TF_SetXlaEnableLazyCompilation((byte) 0);
    return XLA_SESSION_CONFIG;
  }

  private TrainingHistory loop(AutoencoderSpec spec, LossKind loss, TrainingData data, Dataset validationInputs,
      Session session, TrainingSet set, TrainingSet.Tensors all, AutoencoderGraph model, Objective objective,
      Op step, ProgressListener listener) {
    TrainingSpec training = spec.training();
    int count = data.inputs().count();
    int sampleSize = spec.inputSize();
    int batchSize = Math.min(training.batchSize(), count);
    int batches = (count + batchSize - 1) / batchSize;
    float[] inputs = data.inputs().values();
    float[] range = data.inputs().range();
    Corruptor corruptor = spec.corruption() == null ? null
        : new Corruptor(spec.corruption(), range[0], range[1], training.seed() ^ 0x9E3779B97F4A7C15L);
    SplittableRandom shuffle = new SplittableRandom(training.seed());
    int[] order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    float[] batchInputs = corruptor == null ? null : new float[batchSize * sampleSize];

    listener.onStart(spec.name(), training.epochs(), batches, count);
    List<EpochStats> epochs = new ArrayList<>();
    double best = Double.POSITIVE_INFINITY;
    int bestEpoch = 0;
    boolean stoppedEarly = false;
    for (int epoch = 1; epoch <= training.epochs(); epoch++) {
      shuffle(order, shuffle);
      double lossSum = 0;
      double reconstructionSum = 0;
      double penaltySum = 0;
      long started = System.nanoTime();
      for (int b = 0; b < batches; b++) {
        if (cancelled.get()) {
          throw new TrainingCancelledException(epoch, b + 1);
        }
        int first = b * batchSize;
        int n = Math.min(batchSize, count - first);
        if (corruptor != null) {
          for (int i = 0; i < n; i++) {
            System.arraycopy(inputs, order[first + i] * sampleSize, batchInputs, i * sampleSize, sampleSize);
          }
          corruptor.apply(batchInputs, n * sampleSize);
        }
        float total;
        float reconstruction;
        float penalty;
        try (TInt32 indices = TInt32.tensorOf(Shape.of(n), DataBuffers.of(order, true, false).offset(first).narrow(n));
            TFloat32 x = corruptor == null ? null : Batches.tensor(model, batchInputs, 0, n, sampleSize);
            Result result = set.feed(session.runner(), all, indices, model, x)
                .fetch(objective.total()).fetch(objective.reconstructionLoss()).fetch(objective.penalty())
                .addTarget(step).run()) {
          total = ((TFloat32) result.get(0)).getFloat();
          reconstruction = ((TFloat32) result.get(1)).getFloat();
          penalty = ((TFloat32) result.get(2)).getFloat();
        }
        if (!Float.isFinite(total)) {
          throw new TrainingDivergedException(epoch, b + 1, batches, total, training.learningRate());
        }
        lossSum += (double) total * n;
        reconstructionSum += (double) reconstruction * n;
        penaltySum += (double) penalty * n;
        listener.onBatch(epoch, b + 1, batches, lossSum / (first + n), (System.nanoTime() - started) / 1e9);
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      double valLoss = Double.NaN;
      double valReconstruction = Double.NaN;
      if (validationInputs != null) {
        double[] val = Batches.evaluate(session, model, objective, spec, validationInputs.values(),
            data.validationTargets().values(), validationInputs.count(), EVALUATION_BATCH);
        valReconstruction = val[0];
        valLoss = val[0] + val[1];
      }
      EpochStats stats = new EpochStats(epoch, lossSum / count, reconstructionSum / count, penaltySum / count,
          valLoss, valReconstruction, seconds, count / seconds);
      epochs.add(stats);
      listener.onEpoch(stats, training.epochs());

      double monitored = stats.hasValidation() ? valLoss : stats.loss();
      if (monitored < best) {
        best = monitored;
        bestEpoch = epoch;
      } else if (training.patience() > 0 && epoch - bestEpoch >= training.patience() && epoch < training.epochs()) {
        listener.onEarlyStop(epoch, bestEpoch);
        stoppedEarly = true;
        break;
      }
    }
    int validationCount = validationInputs == null ? 0 : validationInputs.count();
    return new TrainingHistory(loss.jsonName(), epochs, stoppedEarly, count, validationCount);
  }

  private static void shuffle(int[] order, SplittableRandom random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  static Optimizer optimizer(Graph graph, TrainingSpec training) {
    float lr = (float) training.learningRate();
    return switch (training.optimizer()) {
      case ADAM -> new OrderedAdam(graph, lr, Adam.BETA_ONE_DEFAULT, Adam.BETA_TWO_DEFAULT, KERAS_EPSILON);
      case SGD -> new GradientDescent(graph, lr);
      case MOMENTUM -> new Momentum(graph, lr, 0.9f);
      case RMSPROP -> new RMSProp(graph, lr, 0.9f, 0f, KERAS_EPSILON, false);
      case ADADELTA -> new AdaDelta(graph, lr, 0.95f, KERAS_EPSILON);
    };
  }

  static void checkShapes(AutoencoderSpec spec, Dataset inputs) {
    boolean fits = spec.kind() == ModelKind.CONVOLUTIONAL
        ? inputs.height() == spec.height() && inputs.width() == spec.width() && inputs.channels() == spec.channels()
        : inputs.sampleSize() == spec.inputSize();
    if (!fits) {
      throw new IllegalArgumentException("Model '" + spec.name() + "' expects samples of " + spec.height() + "×"
          + spec.width() + "×" + spec.channels() + " (inputShape), but " + inputs.source() + " has "
          + inputs.height() + "×" + inputs.width() + "×" + inputs.channels());
    }
  }

  private static TrainingData withValidationSplit(TrainingData data, TrainingSpec training) {
    if (data.validationInputs() != null || training.validationSplit() == 0) {
      return data;
    }
    int count = data.inputs().count();
    int held = (int) Math.round(count * training.validationSplit());
    if (held == 0 || held == count) {
      throw new IllegalArgumentException("training.validationSplit " + training.validationSplit() + " of " + count
          + " samples leaves " + (count - held) + " to train and " + held + " to validate");
    }
    int[] order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    shuffle(order, new SplittableRandom(training.seed() + 1));
    int[] train = java.util.Arrays.copyOfRange(order, held, count);
    int[] validation = java.util.Arrays.copyOfRange(order, 0, held);
    Dataset in = data.inputs();
    Dataset out = data.targets();
    boolean same = in == out;
    Dataset trainIn = in.select(train, in.source() + " (train part)");
    Dataset valIn = in.select(validation, in.source() + " (validation part)");
    return new TrainingData(trainIn, same ? trainIn : out.select(train, out.source() + " (train part)"), valIn,
        same ? valIn : out.select(validation, out.source() + " (validation part)"));
  }

  private static Dataset corrupted(AutoencoderSpec spec, Dataset clean, long seed) {
    float[] values = clean.values().clone();
    float[] range = clean.range();
    new Corruptor(spec.corruption(), range[0], range[1], seed).apply(values, values.length);
    return new Dataset(values, clean.count(), clean.height(), clean.width(), clean.channels(), clean.labels(),
        clean.source() + " (corrupted)");
  }
}
