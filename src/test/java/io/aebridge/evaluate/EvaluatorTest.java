package io.aebridge.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.TestData;
import io.aebridge.data.Dataset;
import io.aebridge.export.ModelCard;
import io.aebridge.export.SavedModelExporter;
import io.aebridge.graph.ModelWeights;
import io.aebridge.load.HostTensor;
import io.aebridge.load.LoadedModel;
import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.CorruptionSpec;
import io.aebridge.spec.DecoderMode;
import io.aebridge.spec.OptimizerKind;
import io.aebridge.spec.SpecJson;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.ProgressListener;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.Trainer;
import io.aebridge.train.TrainingData;
import io.aebridge.train.TrainingHistory;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains two small one-layer autoencoders on synthetic bars, exports them, loads them back and checks the
 * evaluator: a denoising one with a linear code (it learns well in a few seconds) for the figures, and one with a
 * sigmoid code whose exact Jacobian is checked against its closed form.
 */
class EvaluatorTest {
  private static final int CODE = 16;
  private static final CorruptionSpec NOISE = CorruptionSpec.gaussian(0.3);

  @TempDir
  static Path root;

  private static Dataset train;
  private static Dataset heldOut;
  /** Denoising, linear code, trained. */
  private static LoadedModel trained;
  /** Same spec as {@link #trained}, random weights. */
  private static LoadedModel untrained;
  private static ModelWeights sigmoidWeights;
  /** Sigmoid code, trained briefly. */
  private static LoadedModel sigmoid;
  private static ModelWeights randomSigmoidWeights;
  /** Sigmoid code, random symmetric weights (codes spread over (0,1)). */
  private static LoadedModel randomSigmoid;

  @BeforeAll
  static void trainExportAndLoad() throws Exception {
    Dataset all = TestData.bars(400, 28, 1, 11);
    int[] first = new int[300];
    int[] rest = new int[100];
    Arrays.setAll(first, i -> i);
    Arrays.setAll(rest, i -> 300 + i);
    train = all.select(first, "bars train");
    heldOut = all.select(rest, "bars held-out");

    AutoencoderSpec denoising = AutoencoderSpec.builder("eval-denoising")
        .codeSize(CODE)
        .codeActivation(Activation.LINEAR)
        .corruption(NOISE)
        .training(new TrainingSpec(OptimizerKind.ADAM, 0.01, 30, 32, 0, 7L, 0))
        .build();
    try (TrainedModel model = train(denoising)) {
      trained = LoadedModel.load(export(root.resolve("trained"), denoising, model.weights(), model.history()));
      untrained = LoadedModel.load(
          export(root.resolve("untrained"), denoising, randomLike(model.weights(), 5), null));
    }

    AutoencoderSpec sigmoidCode = AutoencoderSpec.builder("eval-sigmoid")
        .codeSize(CODE)
        .codeActivation(Activation.SIGMOID)
        .training(new TrainingSpec(OptimizerKind.ADAM, 0.001, 3, 32, 0, 7L, 0))
        .build();
    try (TrainedModel model = train(sigmoidCode)) {
      sigmoidWeights = model.weights();
      sigmoid = LoadedModel.load(export(root.resolve("sigmoid"), sigmoidCode, sigmoidWeights, model.history()));
      randomSigmoidWeights = randomLike(sigmoidWeights, 6);
      randomSigmoid = LoadedModel.load(export(root.resolve("random-sigmoid"), sigmoidCode, randomSigmoidWeights,
          null));
    }
  }

  private static TrainedModel train(AutoencoderSpec spec) {
    return new Trainer().train(spec, TrainingData.autoencoding(train, null), ProgressListener.NONE);
  }

  @AfterAll
  static void close() {
    for (LoadedModel model : new LoadedModel[] {trained, untrained, sigmoid, randomSigmoid}) {
      if (model != null) {
        model.close();
      }
    }
  }

  @Test
  void reportHasFiniteFiguresAndTheCardsCorruption() {
    EvaluationReport report = new Evaluator().evaluate(trained, train, heldOut);
    assertEquals(100, report.heldOutSamples());
    assertEquals(300, report.trainSamples());
    assertEquals(List.of(CODE), report.codeShape());
    assertEquals(CODE, report.codeSize());
    assertEquals(CODE, report.pcaComponents());
    for (double v : new double[] {report.aeBce(), report.aeMse(), report.pcaBce(), report.pcaMse(),
        report.mseRatio(), report.meanCodeActivation(), report.jacobianFrobeniusNorm()}) {
      assertTrue(Double.isFinite(v) && v > 0, "finite, positive figure in " + report);
    }
    assertEquals(report.aeMse() / report.pcaMse(), report.mseRatio(), 1e-12);
    assertTrue(report.pcaExplainedVariance() > 0 && report.pcaExplainedVariance() <= 1);
    assertEquals(Evaluator.JACOBIAN_SAMPLES_DEFAULT, 200);
    assertEquals(100, report.jacobianSamples(), "all 100 held-out samples, fewer than the default 200");

    EvaluationReport.Denoising denoising = report.denoising();
    assertNotNull(denoising, "the spec in the model card is denoising");
    assertEquals(NOISE, denoising.corruption());
    assertEquals(Evaluator.CORRUPTION_SEED_DEFAULT, denoising.seed());
    assertTrue(denoising.noisyMse() > 0.01, "σ=0.3 noise: " + denoising.noisyMse());
    assertTrue(denoising.denoisedMse() < denoising.noisyMse(), "denoised " + denoising.denoisedMse()
        + " vs noisy " + denoising.noisyMse());

    String text = report.toText();
    assertTrue(text.contains("PCA (k=" + CODE + ")"), text);
    assertTrue(text.contains("noisy vs clean MSE"), text);
    // Table rows put their first value column at the same offset.
    List<String> rows = text.lines().filter(l -> l.startsWith("BCE per value") || l.startsWith("MSE per value"))
        .toList();
    assertEquals(2, rows.size(), text);
    assertEquals(rows.get(0).length(), rows.get(1).length(), text);
  }

  @Test
  void trainedModelBeatsAnUntrainedOne() {
    Evaluator evaluator = new Evaluator().withCorruption(null).withJacobianSamples(0);
    EvaluationReport good = evaluator.evaluate(trained, train, heldOut);
    EvaluationReport bad = evaluator.evaluate(untrained, train, heldOut);
    assertTrue(good.aeMse() < 0.5 * bad.aeMse(), good.aeMse() + " vs untrained " + bad.aeMse());
    assertTrue(good.aeBce() < bad.aeBce(), good.aeBce() + " vs untrained " + bad.aeBce());
    assertNull(good.denoising(), "corruption turned off");
    assertTrue(Double.isNaN(good.jacobianFrobeniusNorm()));
    assertEquals(0, good.jacobianSamples());
    // PCA does not depend on the model.
    assertEquals(good.pcaMse(), bad.pcaMse(), 0);
  }

  @Test
  void jacobianNormEqualsTheClosedFormOfASigmoidCode() {
    checkClosedForm(sigmoid, sigmoidWeights);
    checkClosedForm(randomSigmoid, randomSigmoidWeights);
  }

  /** ‖J‖²_F = Σ_j (h_j(1−h_j))² Σ_i W_ij² per sample, against the gradient ops, per sample and in the report. */
  private static void checkClosedForm(LoadedModel model, ModelWeights weights) {
    int n = 40;
    Dataset sample = heldOut.head(n);
    double[] norms = model.jacobianFrobeniusNorms("encode",
        HostTensor.ofFloats(new long[] {n, sample.sampleSize()}, sample.values()));
    float[] codes = Evaluator.encode(model, sample);
    ModelWeights.Tensor kernel = weights.get("encoder_code_kernel");
    int inputs = (int) kernel.shape()[0];
    assertEquals(CODE, (int) kernel.shape()[1]);
    double[] columnSquares = new double[CODE];
    for (int i = 0; i < inputs; i++) {
      for (int j = 0; j < CODE; j++) {
        double w = kernel.values()[i * CODE + j];
        columnSquares[j] += w * w;
      }
    }
    double meanClosedForm = 0;
    for (int s = 0; s < n; s++) {
      double squared = 0;
      for (int j = 0; j < CODE; j++) {
        double h = codes[s * CODE + j];
        double slope = h * (1 - h);
        squared += slope * slope * columnSquares[j];
      }
      double closedForm = Math.sqrt(squared);
      assertTrue(closedForm > 0);
      assertEquals(closedForm, norms[s], 1e-3 * closedForm, "sample " + s + " of " + model.path());
      meanClosedForm += closedForm / n;
    }
    EvaluationReport report = new Evaluator().withJacobianSamples(n).evaluate(model, train, heldOut);
    assertEquals(n, report.jacobianSamples());
    assertEquals(meanClosedForm, report.jacobianFrobeniusNorm(), 1e-3 * meanClosedForm);
  }

  @Test
  void explicitPcaAndSeedAreUsed() {
    Pca pca = Pca.fit(train, CODE);
    Evaluator evaluator = new Evaluator().withJacobianSamples(0);
    EvaluationReport fitted = evaluator.evaluate(trained, train, heldOut);
    EvaluationReport given = evaluator.evaluate(trained, pca, heldOut);
    assertEquals(fitted, given, "fitting inside or outside gives the same report");

    EvaluationReport reseeded = evaluator.withCorruptionSeed(99).evaluate(trained, pca, heldOut);
    assertEquals(99, reseeded.denoising().seed());
    assertTrue(reseeded.denoising().noisyMse() != fitted.denoising().noisyMse(), "another seed, other noise");

    Pca smaller = Pca.fit(train, 4);
    EvaluationReport mismatched = evaluator.evaluate(trained, smaller, heldOut);
    assertEquals(4, mismatched.pcaComponents());
    assertTrue(mismatched.notes().stream().anyMatch(s -> s.contains("PCA has 4 components")), mismatched.notes()
        .toString());
  }

  @Test
  void reportRoundTripsThroughTheModelCardJson() throws Exception {
    EvaluationReport report = new Evaluator().withJacobianSamples(0).evaluate(trained, train, heldOut);
    JsonNode json = ModelCard.toJson(report);
    assertEquals("NaN", json.get("jacobianFrobeniusNorm").asText());
    assertEquals("gaussian", json.get("denoising").get("corruption").get("type").asText());
    EvaluationReport back = new ObjectMapper().treeToValue(json, EvaluationReport.class);
    assertEquals(report, back);
  }

  @Test
  void skipsJacobianAndPcaWhereTheyDoNotApply() throws Exception {
    // An untrained dense model on 8×8 inputs with a 300-value code: too large for the Jacobian, and PCA cannot
    // have more components than the 64 input values.
    AutoencoderSpec wide = AutoencoderSpec.builder("eval-wide").inputShape(8, 8, 1).codeSize(300).build();
    Map<String, ModelWeights.Tensor> weights = new LinkedHashMap<>();
    weights.put("encoder_code_kernel", new ModelWeights.Tensor(new long[] {64, 300}, new float[64 * 300]));
    weights.put("encoder_code_bias", new ModelWeights.Tensor(new long[] {300}, new float[300]));
    weights.put("decoder_output_kernel", new ModelWeights.Tensor(new long[] {300, 64}, new float[300 * 64]));
    weights.put("decoder_output_bias", new ModelWeights.Tensor(new long[] {64}, new float[64]));
    Dataset small = TestData.bars(20, 8, 1, 3);
    try (LoadedModel model = LoadedModel.load(
        export(root.resolve("wide"), wide, randomLike(new ModelWeights(weights), 9), null))) {
      EvaluationReport report = new Evaluator().evaluate(model, small, small);
      assertTrue(Double.isNaN(report.jacobianFrobeniusNorm()));
      assertTrue(Double.isNaN(report.pcaMse()) && Double.isNaN(report.mseRatio()));
      assertNull(report.denoising(), "the spec has no corruption");
      assertTrue(report.notes().stream().anyMatch(s -> s.contains("more than 256")), report.notes().toString());
      assertTrue(report.notes().stream().anyMatch(s -> s.startsWith("PCA skipped")), report.notes().toString());
      assertTrue(Double.isFinite(report.aeMse()));
    }
  }

  @Test
  void convolutionalModelSkipsTheJacobian() throws Exception {
    AutoencoderSpec conv = AutoencoderSpec.builder("eval-conv").inputShape(8, 8, 1)
        .convolutional(new ConvSpec(List.of(2), 3, 2, DecoderMode.UPSAMPLE))
        .training(new TrainingSpec(OptimizerKind.ADAM, 0.01, 1, 32, 0, 3L, 0))
        .build();
    Dataset bars = TestData.bars(64, 8, 1, 4);
    Path dir;
    try (TrainedModel model = new Trainer().train(conv, TrainingData.autoencoding(bars, null), ProgressListener.NONE)) {
      dir = export(root.resolve("conv"), conv, model.weights(), model.history());
    }
    try (LoadedModel model = LoadedModel.load(dir)) {
      EvaluationReport report = new Evaluator().evaluate(model, bars, bars.head(16));
      assertEquals(List.of(4, 4, 2), report.codeShape());
      assertEquals(32, report.pcaComponents());
      assertTrue(Double.isNaN(report.jacobianFrobeniusNorm()));
      assertTrue(report.notes().stream().anyMatch(s -> s.contains("dense models only")), report.notes().toString());
      assertTrue(Double.isFinite(report.aeMse()) && Double.isFinite(report.pcaMse()) && report.mseRatio() > 0);
    }
  }

  @Test
  void rejectsDataOfTheWrongShape() {
    Dataset wrong = TestData.bars(4, 8, 1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Evaluator().evaluate(trained, wrong, wrong));
    assertTrue(e.getMessage().contains("8×8×1"), e.getMessage());
  }

  private static Path export(Path modelsRoot, AutoencoderSpec spec, ModelWeights weights, TrainingHistory history)
      throws Exception {
    ModelCard card = new ModelCard(ModelCard.SCHEMA_VERSION, spec.name(), Instant.now().toString(),
        SpecJson.toTree(spec), "bce", weights.parameterCount(), history == null ? null : ModelCard.toJson(history),
        Map.of(), null, Map.of(), Map.of());
    return SavedModelExporter.export(modelsRoot, spec, weights, card).directory();
  }

  /** Weights of the same names and shapes drawn uniformly from ±0.1: an untrained model. */
  private static ModelWeights randomLike(ModelWeights like, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    Map<String, ModelWeights.Tensor> out = new LinkedHashMap<>();
    like.byName().forEach((name, t) -> {
      float[] values = new float[t.values().length];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (random.nextDouble(-0.1, 0.1));
      }
      out.put(name, new ModelWeights.Tensor(t.shape(), values));
    });
    return new ModelWeights(out);
  }
}
