package io.aebridge.demo;

import io.aebridge.data.Dataset;
import io.aebridge.evaluate.Figures;
import io.aebridge.evaluate.Metrics;
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
 * Compression: the tutorial's 784 → 32 → 784 autoencoder on MNIST; a digit travels as 32 floats. Measured by the
 * held-out reconstruction error against PCA with 32 components and against sending nothing (the mean digit).
 */
final class CompressDemo implements Demo {
  static final String MODEL = "demo-compress";
  static final int CODE = 32;

  @Override
  public String name() {
    return "compress";
  }

  @Override
  public String summary() {
    return "784 pixels → 32 numbers → 784: the tutorial's autoencoder vs PCA-32 on held-out MNIST digits";
  }

  @Override
  public DemoResult run(DemoSettings settings) throws IOException {
    DemoData.Digits digits = DemoData.mnist(settings, 3000, 500);
    Dataset train = digits.train();
    Dataset test = digits.test();
    int epochs = settings.epochsOr(5, 50);
    AutoencoderSpec spec = AutoencoderSpec.builder(MODEL).codeSize(CODE)
        .training(TrainingSpec.defaults().withEpochs(epochs).withBatchSize(settings.sized(64, 256))).build();
    TrainingData data = digits.autoencoding();
    try (TrainedModel model = DemoTraining.train(spec, data, settings)) {
      float[] reconstructed = model.reconstruct(test);
      float[] pca = Metrics.clip(Pca.fit(train, CODE).reconstruct(test), 0f, 1f);
      float[] mean = ImageMath.repeat(ImageMath.meanSample(train.values(), train.count(), train.sampleSize()),
          test.count());
      double ae = Metrics.meanSquaredError(reconstructed, test.values());
      double pcaError = Metrics.meanSquaredError(pca, test.values());
      double meanError = Metrics.meanSquaredError(mean, test.values());
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("held-out MSE, autoencoder (code 32)", ae);
      figures.put("held-out MSE, PCA with 32 components", pcaError);
      figures.put("held-out MSE, mean digit (nothing sent)", meanError);
      figures.put("autoencoder / PCA", ae / pcaError);
      figures.put("size ratio, float32 pixels / float32 code", 784.0 / CODE);
      figures.put("size ratio, 8-bit pixels / float32 code", 784.0 / (4 * CODE));
      DemoRuns.trainingFigures(figures, model, train.count(), digits.validation().count(), test.count());
      int n = 10;
      int[] picks = DemoRuns.spread(test.count(), n);
      Path dir = DemoTraining.export(model, data, settings, Map.of(),
          DemoRuns.withExamples(ModelCard.toJson(figures), test.values(), 28, 28, 1, picks));
      Figures.grid(settings.out().resolve("grid.png"), List.of(
          new Figures.Row("original", DemoRuns.pick(test.values(), 784, picks), 28, 28, 1),
          new Figures.Row("autoencoder (32)", DemoRuns.pick(reconstructed, 784, picks), 28, 28, 1),
          new Figures.Row("baseline: PCA-32", DemoRuns.pick(pca, 784, picks), 28, 28, 1)), n);
      Figures.lossCurve(settings.out().resolve("loss.png"), model.history());
      List<DemoResult.Check> checks = new ArrayList<>();
      checks.add(DemoResult.Check.below("autoencoder MSE < mean-digit MSE", ae, meanError));
      if (!settings.quick()) {
        checks.add(DemoResult.Check.below("autoencoder MSE < PCA-32 MSE", ae, pcaError));
      }
      return new DemoResult(name(), "Compression: 784 pixels in 32 numbers",
          String.format(Locale.ROOT, "The tutorial's autoencoder 784 → Dense(32, relu) → Dense(784, sigmoid) "
              + "(BCE, Adam) trained %d epochs on %d real MNIST digits; the encoder is the compressor and the "
              + "decoder the decompressor. Measured on %d held-out digits against PCA with as many components "
              + "(fitted on the same training digits) and against the mean digit. %s", epochs, train.count(),
              test.count(), digits.splitSentence()),
          figures, checks,
          Map.of("grid.png", "held-out digits, their autoencoder reconstructions from 32 numbers, PCA-32's",
              "loss.png", "training and validation loss per epoch"),
          dir);
    }
  }
}
