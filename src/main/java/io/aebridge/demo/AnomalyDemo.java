package io.aebridge.demo;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aebridge.data.Dataset;
import io.aebridge.evaluate.Figures;
import io.aebridge.evaluate.Metrics;
import io.aebridge.export.ModelCard;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Anomaly detection: the reconstruction error (per-digit MSE) of an autoencoder trained on digits is the score.
 * {@code val_loss} comes from a seeded share of the training digits ({@link DemoData}). The threshold is a quantile
 * of the scores of held-out test digits (the first half of the test set, the calibration part); it is stored in
 * the model card as {@code evaluation.anomaly.threshold}, where the server finds it. The other half of the test
 * digits are the normal cases; the anomalies are real non-digit images (held-out emoji as 28×28 inverted
 * grey), uniform noise and blank images. Figure: ROC AUC, precision and recall at the threshold.
 */
final class AnomalyDemo implements Demo {
  static final String MODEL = "demo-anomaly";
  static final double QUANTILE = 0.95;
  static final long NOISE_SEED = 13L;

  @Override
  public String name() {
    return "anomaly";
  }

  @Override
  public String summary() {
    return "reconstruction error as anomaly score: digits vs non-digits (emoji, noise, blank), ROC AUC, threshold in the card";
  }

  @Override
  public DemoResult run(DemoSettings settings) throws IOException {
    DemoData.Digits digits = DemoData.mnist(settings, 3000, 600);
    Dataset train = digits.train();
    Dataset heldOut = digits.test();
    int half = heldOut.count() / 2;
    Dataset calibration = heldOut.select(range(0, half), heldOut.source() + " (calibration half)");
    Dataset normal = heldOut.select(range(half, heldOut.count()), heldOut.source() + " (evaluation half)");
    EmojiImages.Split emoji = EmojiImages.load(settings.home());
    Dataset emojiGrey = EmojiImages.dataset(emoji.test(), settings.sized(200, Integer.MAX_VALUE), 28,
        EmojiImages.Form.INVERTED_GREY, EmojiImages.IMAGE_DIR + " held-out");
    int others = settings.sized(100, 300);
    float[] noise = new float[others * 784];
    SplittableRandom random = new SplittableRandom(NOISE_SEED);
    for (int i = 0; i < noise.length; i++) {
      noise[i] = (float) random.nextDouble();
    }
    Dataset noiseSet = new Dataset(noise, others, 28, 28, 1, null, "uniform noise (seed " + NOISE_SEED + ")");
    Dataset blank = new Dataset(new float[2 * 784], 2, 28, 28, 1, null, "blank");
    float[] white = new float[784];
    java.util.Arrays.fill(white, 1f);
    System.arraycopy(white, 0, blank.values(), 784, 784);

    int epochs = settings.epochsOr(5, 30);
    AutoencoderSpec spec = AutoencoderSpec.builder(MODEL).codeSize(32)
        .training(TrainingSpec.defaults().withEpochs(epochs).withBatchSize(settings.sized(64, 256))).build();
    TrainingData data = digits.autoencoding();
    try (TrainedModel model = DemoTraining.train(spec, data, settings)) {
      double threshold = Roc.quantile(scores(model, calibration), QUANTILE);
      double[] normalScores = scores(model, normal);
      double[] emojiScores = scores(model, emojiGrey);
      double[] noiseScores = scores(model, noiseSet);
      double[] blankScores = scores(model, blank);
      double[] anomalies = concat(emojiScores, noiseScores, blankScores);
      double auc = Roc.auc(normalScores, anomalies);
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("ROC AUC, digits vs all non-digits", auc);
      figures.put("ROC AUC, digits vs emoji", Roc.auc(normalScores, emojiScores));
      figures.put("ROC AUC, digits vs noise", Roc.auc(normalScores, noiseScores));
      figures.put("threshold (" + QUANTILE + " quantile of calibration digits' MSE)", threshold);
      figures.put("precision at threshold", Roc.precision(normalScores, anomalies, threshold));
      figures.put("recall at threshold (all non-digits)", Roc.fractionAbove(anomalies, threshold));
      figures.put("recall at threshold, emoji", Roc.fractionAbove(emojiScores, threshold));
      figures.put("recall at threshold, noise", Roc.fractionAbove(noiseScores, threshold));
      figures.put("recall at threshold, blank (black, white)", Roc.fractionAbove(blankScores, threshold));
      figures.put("false-positive rate at threshold (held-out digits)", Roc.fractionAbove(normalScores, threshold));
      figures.put("normal digits / emoji / noise / blank", normal.count() + " / " + emojiGrey.count() + " / "
          + others + " / " + blank.count());
      DemoRuns.trainingFigures(figures, model, train.count(), digits.validation().count(), heldOut.count());
      ObjectNode evaluation = (ObjectNode) ModelCard.toJson(figures);
      ObjectNode anomaly = evaluation.putObject("anomaly");
      anomaly.put("score", "mse");
      anomaly.put("threshold", threshold);
      anomaly.put("quantile", QUANTILE);
      anomaly.put("calibration", calibration.count() + " held-out MNIST digits (" + calibration.source() + ")");
      DemoRuns.withExamples(evaluation, normal.values(), 28, 28, 1, DemoRuns.spread(normal.count(), 5));
      DemoRuns.withExamples(evaluation, emojiGrey.values(), 28, 28, 1, DemoRuns.spread(emojiGrey.count(), 4));
      DemoRuns.withExamples(evaluation, noise, 28, 28, 1, new int[] {0});
      Path dir = DemoTraining.export(model, data, settings, emoji.provenance(), evaluation);

      double[][] curve = Roc.curve(normalScores, anomalies);
      Pictures.roc(settings.out().resolve("roc.png"), String.format(Locale.ROOT,
          "Digits vs non-digits by reconstruction error (AUC %.3f)", auc), curve[0], curve[1],
          Roc.fractionAbove(normalScores, threshold), Roc.fractionAbove(anomalies, threshold));
      int n = 8;
      int[] pn = DemoRuns.spread(normal.count(), n);
      int[] pe = DemoRuns.spread(emojiGrey.count(), n);
      Figures.grid(settings.out().resolve("grid.png"), List.of(
          new Figures.Row("digit", DemoRuns.pick(normal.values(), 784, pn), 28, 28, 1),
          new Figures.Row("its reconstruction", DemoRuns.pick(model.reconstruct(normal), 784, pn), 28, 28, 1),
          new Figures.Row("non-digit (emoji)", DemoRuns.pick(emojiGrey.values(), 784, pe), 28, 28, 1),
          new Figures.Row("its reconstruction", DemoRuns.pick(model.reconstruct(emojiGrey), 784, pe), 28, 28, 1)),
          n);
      return new DemoResult(name(), "Anomaly detection: is this a digit?",
          String.format(Locale.ROOT, "The tutorial's autoencoder (784 → 32 → 784) trained %d epochs on %d MNIST "
              + "digits; the anomaly score of an image is its reconstruction MSE. The threshold is the %.2f "
              + "quantile of the scores of %d held-out digits and is stored in the model card "
              + "(`evaluation.anomaly.threshold`), so the server's reconstruct answer carries `is_anomaly`. "
              + "Measured on %d other held-out digits against %d real non-digit images (held-out emoji, 28×28 "
              + "grey, inverted to a dark background like MNIST's), %d uniform-noise images and a black and a "
              + "white blank image. Training saw only its %d digits; `val_loss` came from a seeded %.0f%% of the "
              + "training pool (%d digits); the calibration and evaluation digits are two halves of the MNIST test "
              + "set, which no training or validation step saw.", epochs, train.count(), QUANTILE,
              calibration.count(), normal.count(), emojiGrey.count(), others, train.count(),
              100 * DemoData.VALIDATION_FRACTION, digits.validation().count()),
          figures, List.of(DemoResult.Check.above("ROC AUC > 0.5 (chance)", auc, 0.5),
              DemoResult.Check.above("recall at threshold > false-positive rate", Roc.fractionAbove(anomalies,
                  threshold), Roc.fractionAbove(normalScores, threshold))),
          Map.of("roc.png", "ROC curve of the reconstruction-error score, the threshold marked", "grid.png",
              "held-out digits and non-digits with their reconstructions"),
          dir);
    }
  }

  private static double[] scores(TrainedModel model, Dataset data) {
    return Metrics.meanSquaredErrorPerSample(model.reconstruct(data), data.values(), data.count());
  }

  private static int[] range(int from, int to) {
    int[] r = new int[to - from];
    for (int i = 0; i < r.length; i++) {
      r[i] = from + i;
    }
    return r;
  }

  private static double[] concat(double[]... parts) {
    int n = 0;
    for (double[] p : parts) {
      n += p.length;
    }
    double[] out = new double[n];
    int at = 0;
    for (double[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
