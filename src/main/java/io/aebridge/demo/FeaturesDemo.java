package io.aebridge.demo;

import io.aebridge.data.Dataset;
import io.aebridge.evaluate.Figures;
import io.aebridge.evaluate.Pca;
import io.aebridge.export.ModelCard;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Feature extraction: the 32-number code of an autoencoder trained without labels, fed to a plain classifier
 * (softmax regression with TensorFlow ops) on the MNIST labels, against the raw 784 pixels and PCA with 32
 * components. Figure: held-out accuracy and the classifier's training time for each.
 */
final class FeaturesDemo implements Demo {
  static final String MODEL = "demo-features";
  static final int CODE = 32;
  static final long SEED = 11L;

  @Override
  public String name() {
    return "features";
  }

  @Override
  public String summary() {
    return "the 32-number code as features for a classifier on MNIST labels, vs raw pixels and PCA-32";
  }

  @Override
  public DemoResult run(DemoSettings settings) throws IOException {
    DemoData.Digits digits = DemoData.mnist(settings, 3000, 500);
    Dataset train = digits.train();
    Dataset test = digits.test();
    int epochs = settings.epochsOr(5, 30);
    int classifierEpochs = settings.sized(10, 30);
    AutoencoderSpec spec = AutoencoderSpec.builder(MODEL).codeSize(CODE)
        .training(TrainingSpec.defaults().withEpochs(epochs).withBatchSize(settings.sized(64, 256))).build();
    TrainingData data = digits.autoencoding();
    try (TrainedModel model = DemoTraining.train(spec, data, settings)) {
      float[] trainCodes = model.encode(train);
      float[] testCodes = model.encode(test);
      Pca pca = Pca.fit(train, CODE);
      int[] y = train.labels();
      int[] yt = test.labels();
      Classifiers.Score raw = Classifiers.logisticRegression(train.values(), y, test.values(), yt, 784,
          classifierEpochs, SEED);
      Classifiers.Score pcaScore = Classifiers.logisticRegression(pca.project(train), y, pca.project(test), yt,
          CODE, classifierEpochs, SEED);
      Classifiers.Score codes = Classifiers.logisticRegression(trainCodes, y, testCodes, yt, CODE,
          classifierEpochs, SEED);
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("held-out accuracy, autoencoder code (32)", codes.accuracy());
      figures.put("held-out accuracy, PCA (32)", pcaScore.accuracy());
      figures.put("held-out accuracy, raw pixels (784)", raw.accuracy());
      figures.put("code accuracy / raw-pixel accuracy", codes.accuracy() / raw.accuracy());
      figures.put("classifier training seconds, code", codes.seconds());
      figures.put("classifier training seconds, PCA", pcaScore.seconds());
      figures.put("classifier training seconds, raw pixels", raw.seconds());
      figures.put("classifier epochs", classifierEpochs);
      DemoRuns.trainingFigures(figures, model, train.count(), digits.validation().count(), test.count());
      Path dir = DemoTraining.export(model, data, settings, Map.of(), DemoRuns.withExamples(
          ModelCard.toJson(figures), test.values(), 28, 28, 1, DemoRuns.spread(test.count(), 10)));
      Figures.lossCurve(settings.out().resolve("loss.png"), model.history());
      List<DemoResult.Check> checks = new ArrayList<>();
      // Chance is 0.1; a quick run's codes must at least carry most of the label information.
      checks.add(DemoResult.Check.above("code accuracy > 0.8 × raw-pixel accuracy", codes.accuracy(),
          0.8 * raw.accuracy()));
      if (!settings.quick()) {
        checks.add(DemoResult.Check.above("code accuracy > 0.9 × raw-pixel accuracy", codes.accuracy(),
            0.9 * raw.accuracy()));
      }
      return new DemoResult(name(), "Feature extraction: the code as features",
          String.format(Locale.ROOT, "The tutorial's autoencoder (784 → 32 → 784) trained %d epochs on %d MNIST "
              + "digits without their labels; then one softmax regression (TensorFlow ops, Adam 0.01, batch 256, "
              + "%d epochs, features standardised on the training set) per feature set, on the same %d training "
              + "labels, scored on %d held-out digits. The code is 1/%.1f of the pixels' size. %s", epochs,
              train.count(), classifierEpochs, train.count(), test.count(), 784.0 / CODE, digits.splitSentence()),
          figures, checks, Map.of("loss.png", "autoencoder: training and validation loss per epoch"), dir);
    }
  }
}
