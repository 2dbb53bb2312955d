package io.aebridge.evaluate;

import io.aebridge.data.Dataset;
import io.aebridge.export.ModelCard;
import io.aebridge.load.HostTensor;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.spec.CorruptionSpec;
import io.aebridge.spec.SignatureNames;
import io.aebridge.spec.SpecException;
import io.aebridge.spec.SpecJson;
import io.aebridge.train.Corruptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;
import org.tensorflow.proto.DataType;

/**
 * Evaluates an exported autoencoder on held-out data against PCA with as many components as its code has values.
 *
 * <p>Works on any loaded SavedModel with a {@value SignatureNames#SERVING_DEFAULT} signature (input → reconstruction)
 * and an {@value SignatureNames#ENCODE} signature (input → code), each with one float32 input and output, the input
 * being {@code [N, height·width·channels]} (dense) or {@code [N, height, width, channels]} (convolutional). Input
 * and output names are read from the signatures, so models exported from Python work too.
 *
 * <p>What it computes is listed on {@link EvaluationReport}. Two parts are conditional:
 * <ul>
 *   <li>The exact Jacobian norm {@code ‖∂h/∂x‖_F} (through {@link LoadedModel#jacobianFrobeniusNorms}, which adds
 *       gradient ops to the model's graph) only for dense inputs and codes of at most
 *       {@link #JACOBIAN_MAX_CODE_SIZE} values, averaged over the first {@link #jacobianSamples()} held-out samples;
 *       pass a model loaded for analysis, not one that is serving.
 *   <li>Denoising figures when a corruption applies: the one given to {@link #withCorruption}, else the spec's in
 *       the model card ({@value ModelLayout#MODEL_CARD_FILE}) beside the SavedModel. The held-out set is corrupted
 *       once with {@link #corruptionSeed()}, clipped to the held-out data's own range as in training.
 * </ul>
 *
 * <p>Immutable and thread-safe; the {@code with…} methods return modified copies. A run holds the held-out data,
 * its reconstructions and codes in heap memory.
 */
public final class Evaluator {
  /** Largest code for which the exact Jacobian is computed: it costs one backward pass per code value. */
  public static final int JACOBIAN_MAX_CODE_SIZE = 256;
  /** Held-out samples the Jacobian norm is averaged over by default. */
  public static final int JACOBIAN_SAMPLES_DEFAULT = 200;
  /** Seed of the held-out corruption by default, so reports of one model compare across runs. */
  public static final long CORRUPTION_SEED_DEFAULT = 2008L;
  /** Samples per signature run. */
  static final int BATCH = 1000;

  private final boolean corruptionGiven;
  private final CorruptionSpec corruption;
  private final long corruptionSeed;
  private final int jacobianSamples;

  /** An evaluator with the defaults: corruption from the model card, seed {@value #CORRUPTION_SEED_DEFAULT}. */
  public Evaluator() {
    this(false, null, CORRUPTION_SEED_DEFAULT, JACOBIAN_SAMPLES_DEFAULT);
  }

  private Evaluator(boolean corruptionGiven, CorruptionSpec corruption, long corruptionSeed, int jacobianSamples) {
    this.corruptionGiven = corruptionGiven;
    this.corruption = corruption;
    this.corruptionSeed = corruptionSeed;
    this.jacobianSamples = jacobianSamples;
  }

  /**
   * Uses {@code value} instead of the model card's corruption; {@code null} turns the denoising figures off.
   */
  public Evaluator withCorruption(CorruptionSpec value) {
    return new Evaluator(true, value, corruptionSeed, jacobianSamples);
  }

  public Evaluator withCorruptionSeed(long seed) {
    return new Evaluator(corruptionGiven, corruption, seed, jacobianSamples);
  }

  /** Averages the Jacobian norm over the first {@code samples} held-out samples ({@code 0} skips it). */
  public Evaluator withJacobianSamples(int samples) {
    if (samples < 0) {
      throw new IllegalArgumentException("Jacobian samples must be ≥ 0 (0 skips the Jacobian), found " + samples);
    }
    return new Evaluator(corruptionGiven, corruption, corruptionSeed, samples);
  }

  public long corruptionSeed() {
    return corruptionSeed;
  }

  public int jacobianSamples() {
    return jacobianSamples;
  }

  /**
   * Evaluates {@code model} on {@code heldOut}, fitting PCA with k = code size on {@code train}.
   *
   * @throws io.aebridge.load.SignatureNotFoundException when a required signature is missing
   * @throws IllegalArgumentException when the signatures or the data do not fit each other
   */
  public EvaluationReport evaluate(LoadedModel model, Dataset train, Dataset heldOut) {
    Objects.requireNonNull(train, "train");
    return evaluate(model, heldOut, k -> Pca.fit(train, k), train.source(), train.count());
  }

  /**
   * Evaluates {@code model} on {@code heldOut} against an already fitted {@code pca} (e.g. to reuse it for figures).
   * Its component count should equal the code size; a note says so when it does not.
   */
  public EvaluationReport evaluate(LoadedModel model, Pca pca, Dataset heldOut) {
    Objects.requireNonNull(pca, "pca");
    return evaluate(model, heldOut, k -> pca, pca.trainSource(), pca.trainSamples());
  }

  private EvaluationReport evaluate(LoadedModel model, Dataset heldOut, IntFunction<Pca> pcaForCodeSize,
      String trainSource, int trainSamples) {
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(heldOut, "heldOut");
    if (heldOut.count() == 0) {
      throw new IllegalArgumentException("Held-out data " + heldOut.source() + " has no samples");
    }
    List<String> notes = new ArrayList<>();
    float[] clean = heldOut.values();
    boolean unitInterval = heldOut.isUnitInterval();

    Outputs reconstruction = run(model, SignatureNames.SERVING_DEFAULT, heldOut);
    if (reconstruction.perSample() != heldOut.sampleSize()) {
      throw new IllegalArgumentException("Signature '" + SignatureNames.SERVING_DEFAULT + "' of " + model.path()
          + " returns " + reconstruction.perSample() + " values per sample, the input has " + heldOut.sampleSize());
    }
    double aeMse = Metrics.meanSquaredError(clean, reconstruction.values());
    double aeBce = unitInterval ? Metrics.binaryCrossEntropy(clean, reconstruction.values()) : Double.NaN;
    if (!unitInterval) {
      notes.add("BCE not computed: held-out values are not all in [0,1]");
    }

    Outputs codes = run(model, SignatureNames.ENCODE, heldOut);
    int codeSize = codes.perSample();
    double meanCode = Metrics.meanAbsolute(codes.values());

    int pcaComponents = 0;
    double pcaExplained = Double.NaN;
    double pcaMse = Double.NaN;
    double pcaBce = Double.NaN;
    try {
      Pca pca = pcaForCodeSize.apply(codeSize);
      pcaComponents = pca.components();
      if (pcaComponents != codeSize) {
        notes.add("PCA has " + pcaComponents + " components, the code " + codeSize + " values");
      }
      float[] pcaReconstruction = pca.reconstruct(heldOut);
      pcaExplained = pca.explainedVarianceRatio();
      pcaMse = Metrics.meanSquaredError(clean, pcaReconstruction);
      if (unitInterval) {
        pcaBce = Metrics.binaryCrossEntropy(clean, pcaReconstruction);
        notes.add("PCA reconstructions clipped to [1e-7, 1-1e-7] for BCE only; MSE uses them unclipped");
      }
    } catch (IllegalArgumentException e) {
      notes.add("PCA skipped: " + e.getMessage());
    }
    double ratio = pcaMse > 0 ? aeMse / pcaMse : Double.NaN;

    double jacobian = Double.NaN;
    int jacobianCount = 0;
    TensorSpec input = model.signature(SignatureNames.ENCODE).inputs().get(0);
    if (jacobianSamples == 0) {
      notes.add("Jacobian skipped: turned off");
    } else if (input.shape().length != 2) {
      notes.add("Jacobian skipped: computed for dense models only (input rank " + input.shape().length + ")");
    } else if (codeSize > JACOBIAN_MAX_CODE_SIZE) {
      notes.add("Jacobian skipped: code has " + codeSize + " values, more than " + JACOBIAN_MAX_CODE_SIZE);
    } else {
      jacobianCount = Math.min(jacobianSamples, heldOut.count());
      float[] first = Arrays.copyOf(clean, jacobianCount * heldOut.sampleSize());
      double[] norms = model.jacobianFrobeniusNorms(SignatureNames.ENCODE,
          HostTensor.ofFloats(new long[] {jacobianCount, heldOut.sampleSize()}, first));
      jacobian = Metrics.mean(norms);
    }

    EvaluationReport.Denoising denoising = null;
    CorruptionSpec applied = corruptionGiven ? corruption : corruptionFromCard(model.path(), notes);
    if (applied != null) {
      float[] noisy = clean.clone();
      float[] range = heldOut.range();
      new Corruptor(applied, range[0], range[1], corruptionSeed).apply(noisy, noisy.length);
      Dataset corrupted = new Dataset(noisy, heldOut.count(), heldOut.height(), heldOut.width(), heldOut.channels(),
          heldOut.labels(), heldOut.source() + " (corrupted)");
      float[] denoised = run(model, SignatureNames.SERVING_DEFAULT, corrupted).values();
      denoising = new EvaluationReport.Denoising(applied, corruptionSeed, Metrics.meanSquaredError(clean, noisy),
          Metrics.meanSquaredError(clean, denoised));
    }

    return new EvaluationReport(model.path().toString(), heldOut.source(), heldOut.count(), trainSource,
        trainSamples, codes.sampleShape(), codeSize, aeBce, aeMse, pcaComponents, pcaExplained, pcaBce, pcaMse,
        ratio, meanCode, jacobian, jacobianCount, denoising, notes);
  }

  /** The model's reconstructions of {@code data} ({@value SignatureNames#SERVING_DEFAULT}), shaped like its values. */
  public static float[] reconstruct(LoadedModel model, Dataset data) {
    return run(model, SignatureNames.SERVING_DEFAULT, data).values();
  }

  /** The model's codes of {@code data} ({@value SignatureNames#ENCODE}), {@code count × code size}, row-major. */
  public static float[] encode(LoadedModel model, Dataset data) {
    return run(model, SignatureNames.ENCODE, data).values();
  }

  /** A signature's single output for every sample: the values, their count per sample and the per-sample shape. */
  private record Outputs(float[] values, int perSample, List<Integer> sampleShape) {}

  private static Outputs run(LoadedModel model, String key, Dataset data) {
    SignatureInfo signature = model.signature(key);
    if (signature.inputs().size() != 1 || signature.outputs().size() != 1) {
      throw new IllegalArgumentException("Signature '" + key + "' of " + model.path()
          + " must have one input and one output, found " + signature.inputs() + " → " + signature.outputs());
    }
    TensorSpec in = signature.inputs().get(0);
    String outKey = signature.outputs().get(0).key();
    if (in.dtype() != DataType.DT_FLOAT) {
      throw new IllegalArgumentException("Signature '" + key + "' of " + model.path() + " takes " + in
          + "; the evaluator feeds float32");
    }
    long[] sampleDims = sampleDims(model, key, in, data);
    int size = data.sampleSize();
    float[] out = null;
    int perSample = 0;
    List<Integer> sampleShape = List.of();
    for (int first = 0; first < data.count(); first += BATCH) {
      int n = Math.min(BATCH, data.count() - first);
      long[] dims = new long[sampleDims.length + 1];
      dims[0] = n;
      System.arraycopy(sampleDims, 0, dims, 1, sampleDims.length);
      float[] batch = Arrays.copyOfRange(data.values(), first * size, (first + n) * size);
      HostTensor result = model.run(key, Map.of(in.key(), HostTensor.ofFloats(dims, batch))).get(outKey);
      long[] shape = result.shape();
      if (shape.length == 0 || shape[0] != n) {
        throw new IllegalArgumentException("Signature '" + key + "' of " + model.path() + " returned shape "
            + Arrays.toString(shape) + " for a batch of " + n);
      }
      float[] values = result.floats();
      if (out == null) {
        perSample = values.length / n;
        out = new float[Math.multiplyExact(perSample, data.count())];
        sampleShape = Arrays.stream(shape).skip(1).mapToObj(d -> (int) d).toList();
      }
      System.arraycopy(values, 0, out, first * perSample, values.length);
    }
    return new Outputs(out, perSample, sampleShape);
  }

  /** The per-sample dims to feed: flat for rank-2 inputs, {@code [h, w, c]} for rank-4; checked against the spec. */
  private static long[] sampleDims(LoadedModel model, String key, TensorSpec in, Dataset data) {
    long[] dims;
    if (in.rankKnown() && in.shape().length == 4) {
      dims = new long[] {data.height(), data.width(), data.channels()};
    } else if (in.rankKnown() && in.shape().length == 2) {
      dims = new long[] {data.sampleSize()};
    } else {
      throw new IllegalArgumentException("Signature '" + key + "' of " + model.path() + " takes " + in
          + "; the evaluator feeds [N, features] or [N, height, width, channels]");
    }
    long[] wanted = new long[dims.length + 1];
    wanted[0] = 1;
    System.arraycopy(dims, 0, wanted, 1, dims.length);
    if (!in.accepts(wanted)) {
      throw new IllegalArgumentException("Signature '" + key + "' of " + model.path() + " takes " + in + ", but "
          + data.source() + " has samples of " + data.height() + "×" + data.width() + "×" + data.channels());
    }
    return dims;
  }

  /** The spec's corruption from the model card beside the SavedModel, or {@code null} (with a note why). */
  private static CorruptionSpec corruptionFromCard(Path modelDir, List<String> notes) {
    Path cardFile = modelDir.resolve(ModelLayout.MODEL_CARD_FILE);
    if (!Files.isRegularFile(cardFile)) {
      return null;
    }
    try {
      ModelCard card = ModelCard.read(cardFile);
      return card.spec() == null || card.spec().isNull() ? null : SpecJson.parse(card.spec().toString()).corruption();
    } catch (IOException | SpecException e) {
      notes.add("model card " + cardFile + " unreadable, no denoising figures: " + e.getMessage());
      return null;
    }
  }
}
