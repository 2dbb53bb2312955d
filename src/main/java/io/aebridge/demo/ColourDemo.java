package io.aebridge.demo;

import io.aebridge.data.Dataset;
import io.aebridge.evaluate.Figures;
import io.aebridge.export.ModelCard;
import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.DecoderMode;
import io.aebridge.spec.LossKind;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Colouring: a convolutional autoencoder learns grey → RGB on real colour images (emoji, 32×32), measured by the
 * mean per-pixel RGB distance to the true colours against two baselines: the grey image itself as RGB, and the
 * training set's per-pixel mean colour.
 */
final class ColourDemo implements Demo {
  static final String MODEL = "demo-colour";
  static final int SIDE = 32;

  @Override
  public String name() {
    return "colour";
  }

  @Override
  public String summary() {
    return "greyscale in, colour out: a conv autoencoder on real colour images (emoji), vs grey and mean-colour baselines";
  }

  @Override
  public DemoResult run(DemoSettings settings) throws IOException {
    EmojiImages.Split emoji = EmojiImages.load(settings.home());
    int trainCount = settings.sized(600, Integer.MAX_VALUE);
    int testCount = settings.sized(200, Integer.MAX_VALUE);
    Dataset trainGrey = EmojiImages.dataset(emoji.train(), trainCount, SIDE, EmojiImages.Form.GREY_AS_RGB,
        EmojiImages.IMAGE_DIR + " train");
    Dataset trainRgb = EmojiImages.dataset(emoji.train(), trainCount, SIDE, EmojiImages.Form.RGB,
        EmojiImages.IMAGE_DIR + " train");
    int validationCount = settings.sized(100, Integer.MAX_VALUE);
    Dataset validationGrey = EmojiImages.dataset(emoji.validation(), validationCount, SIDE,
        EmojiImages.Form.GREY_AS_RGB, EmojiImages.IMAGE_DIR + " validation");
    Dataset validationRgb = EmojiImages.dataset(emoji.validation(), validationCount, SIDE, EmojiImages.Form.RGB,
        EmojiImages.IMAGE_DIR + " validation");
    Dataset testGrey = EmojiImages.dataset(emoji.test(), testCount, SIDE, EmojiImages.Form.GREY_AS_RGB,
        EmojiImages.IMAGE_DIR + " held-out");
    Dataset testRgb = EmojiImages.dataset(emoji.test(), testCount, SIDE, EmojiImages.Form.RGB,
        EmojiImages.IMAGE_DIR + " held-out");
    int epochs = settings.epochsOr(10, 60);
    AutoencoderSpec spec = AutoencoderSpec.builder(MODEL).inputShape(SIDE, SIDE, 3)
        .convolutional(new ConvSpec(List.of(32, 32), 3, 1, DecoderMode.UPSAMPLE))
        .activation(Activation.RELU).outputActivation(Activation.SIGMOID).loss(LossKind.MSE)
        .training(new io.aebridge.spec.TrainingSpec(io.aebridge.spec.OptimizerKind.ADAM, WatermarkDemo.LEARNING_RATE,
            epochs, 32, 0, io.aebridge.spec.TrainingSpec.SEED_DEFAULT, 0)).build();
    TrainingData data = new TrainingData(trainGrey, trainRgb, validationGrey, validationRgb);

    try (TrainedModel model = DemoTraining.train(spec, data, settings)) {
      float[] coloured = model.reconstruct(testGrey);
      float[] mean = ImageMath.repeat(ImageMath.meanSample(trainRgb.values(), trainRgb.count(),
          trainRgb.sampleSize()), testRgb.count());
      double modelError = ImageMath.colourError(coloured, testRgb.values());
      double greyError = ImageMath.colourError(testGrey.values(), testRgb.values());
      double meanError = ImageMath.colourError(mean, testRgb.values());

      Map<String, Object> figures = new LinkedHashMap<>();
      figures.put("colour error, model (mean RGB distance, 0-255)", modelError);
      figures.put("colour error, greyscale as RGB", greyError);
      figures.put("colour error, training mean colour per pixel", meanError);
      figures.put("model / best baseline", modelError / Math.min(greyError, meanError));
      DemoRuns.trainingFigures(figures, model, trainRgb.count(), validationRgb.count(), testRgb.count());
      int n = 10;
      int[] picks = DemoRuns.spread(testRgb.count(), n);
      Path dir = DemoTraining.export(model, data, settings, emoji.provenance(),
          DemoRuns.withExamples(ModelCard.toJson(figures), testGrey.values(), SIDE, SIDE, 3, picks));
      Figures.grid(settings.out().resolve("grid.png"), List.of(
          row("input (grey)", testGrey, picks), row("target (colour)", testRgb, picks),
          new Figures.Row("autoencoder", DemoRuns.pick(coloured, testRgb.sampleSize(), picks), SIDE, SIDE, 3),
          new Figures.Row("baseline: mean colour", DemoRuns.pick(mean, testRgb.sampleSize(), picks), SIDE, SIDE, 3)),
          n);
      Figures.lossCurve(settings.out().resolve("loss.png"), model.history());
      return new DemoResult(name(), "Colouring: greyscale in, colour out",
          String.format(java.util.Locale.ROOT, "A fully convolutional autoencoder (Conv32-Conv32 encoder, no pooling, "
              + "mirrored decoder, MSE, Adam 0.003) trained %d epochs on %d real colour images (emoji-datasource-google, %d×%d, "
              + "composited on white) to turn their greyscale version back into colour, measured on %d held-out "
              + "emoji. %s", epochs, trainRgb.count(), SIDE, SIDE, testRgb.count(),
              EmojiImages.splitSentence(trainRgb.count(), validationRgb.count(), testRgb.count())),
          figures,
          checks(settings.quick(), modelError, greyError, meanError),
          Map.of("grid.png", "held-out emoji: grey input, true colours, the autoencoder's colours, the mean-colour "
              + "baseline", "loss.png", "training and validation loss per epoch"),
          dir);
    }
  }

  /**
   * A quick run (a few epochs on 800 images) learns the mean tint before it learns to keep white white, so it is
   * held to the mean-colour baseline and to 1.5× the greyscale one; the full run to both baselines.
   */
  private static List<DemoResult.Check> checks(boolean quick, double model, double grey, double mean) {
    return quick
        ? List.of(DemoResult.Check.below("model colour error < training-mean-colour baseline", model, mean),
            DemoResult.Check.below("model colour error < 1.5 × greyscale-as-RGB baseline (quick run)", model,
                1.5 * grey))
        : List.of(DemoResult.Check.below("model colour error < greyscale-as-RGB baseline", model, grey),
            DemoResult.Check.below("model colour error < training-mean-colour baseline", model, mean));
  }

  private static Figures.Row row(String label, Dataset data, int[] picks) {
    return new Figures.Row(label, DemoRuns.pick(data.values(), data.sampleSize(), picks), data.height(),
        data.width(), data.channels());
  }
}
