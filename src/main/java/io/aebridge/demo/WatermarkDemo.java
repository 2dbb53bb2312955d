package io.aebridge.demo;

import io.aebridge.data.Dataset;
import io.aebridge.evaluate.Figures;
import io.aebridge.evaluate.Metrics;
import io.aebridge.export.ModelCard;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.DecoderMode;
import io.aebridge.spec.LossKind;
import io.aebridge.spec.OptimizerKind;
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
 * Watermark removal: convolutional autoencoders trained on watermarked → clean pairs, one on MNIST digits and one
 * on the colour emoji, measured on held-out images carrying watermarks of fonts, words and shapes never seen in
 * training. Figure: the error to the clean image of the watermarked input, the restored output and a 3×3 median
 * filter; the goal is restored ≤ {@value #GOAL} × watermarked.
 */
final class WatermarkDemo implements Demo {
  static final String DIGITS_MODEL = "demo-watermark-digits";
  static final String COLOUR_MODEL = "demo-watermark-colour";
  static final double GOAL = 0.3;
  static final long TRAIN_SEED = 7L;
  /**
   * Watermarks per training (and validation) image. A test image carries one; three on a training image give the
   * model three times the pixels to learn removal from for the same training time, since most pixels of a
   * once-watermarked image are already right.
   */
  static final int TRAINING_MARKS = 3;
  /**
   * The colour model's training set in a full run: the images and their mirror images, in three copies with
   * independently drawn watermarks ({@link #TRAINING_MARKS} each). Chosen with bench/watermark-study.sh
   * (docs/applications-runs/colour-watermark-study/): at the same number of training steps, fresh copies and mirror
   * images lowered the held-out error most; longer training on the same copies raised it, the model learning to
   * "correct" pixels that no watermark had touched.
   */
  static final Augmentation COLOUR_FULL = new Augmentation(List.of(TRAINING_MARKS, TRAINING_MARKS, TRAINING_MARKS),
      true);
  /** The digits model's (and a quick colour run's) training set: each image once, with {@link #TRAINING_MARKS}. */
  static final Augmentation PLAIN = new Augmentation(List.of(TRAINING_MARKS), false);

  /**
   * How a part's training pairs are made from its clean training images.
   *
   * @param marksPerCopy one entry per copy of the training images: the watermarks drawn on each image of that copy
   *     (copy {@code k} draws with seed {@link #TRAIN_SEED} + 1000·k); validation images carry the largest count
   * @param mirrored whether the mirror images join the clean images before they are copied
   */
  record Augmentation(List<Integer> marksPerCopy, boolean mirrored) {
    Augmentation {
      marksPerCopy = List.copyOf(marksPerCopy);
      if (marksPerCopy.isEmpty() || marksPerCopy.stream().anyMatch(m -> m < 1)) {
        throw new IllegalArgumentException("marksPerCopy needs one count ≥ 1 per copy, found " + marksPerCopy);
      }
    }

    int validationMarks() {
      return marksPerCopy.stream().mapToInt(Integer::intValue).max().orElseThrow();
    }

    /** The watermarked inputs and clean targets, copy after copy. */
    TrainingData pairs(Dataset train, Dataset validation, Dataset markedValidation) {
      Dataset clean = mirrored ? Dataset.concat(List.of(train, ImageMath.mirrored(train)), train.source()
          + " and its mirror images") : train;
      List<Dataset> inputs = new ArrayList<>();
      for (int k = 0; k < marksPerCopy.size(); k++) {
        inputs.add(Watermarks.apply(clean, Watermarks.Style.TRAINING, TRAIN_SEED + 1000L * k, marksPerCopy.get(k)));
      }
      if (inputs.size() == 1) {
        return new TrainingData(inputs.get(0), clean, markedValidation, validation);
      }
      return new TrainingData(Dataset.concat(inputs, clean.source() + " watermarked, " + marksPerCopy.size()
              + " copies with " + marksPerCopy + " watermarks"),
          Dataset.concat(java.util.Collections.nCopies(inputs.size(), clean), clean.source() + " ×"
              + marksPerCopy.size()), markedValidation, validation);
    }

    String describe() {
      return (mirrored ? "the images and their mirror images" : "the images") + (marksPerCopy.size() == 1
          ? ", " + marksPerCopy.get(0) + " watermarks each"
          : ", in " + marksPerCopy.size() + " copies carrying " + marksPerCopy + " watermarks");
    }
  }

  /** Adam's step, 3× Keras's default: the near-identity mapping is learnt in a few epochs instead of dozens. */
  static final double LEARNING_RATE = 0.003;
  static final long TEST_SEED = 8L;
  /** A full run's colour epochs: 6 training pairs per image (mirrored, 3 copies), as many steps as 60 plain epochs. */
  static final int COLOUR_FULL_EPOCHS = 10;
  /** Watermarks on the validation images: the training style (val_loss follows learning, not the unseen style). */
  static final long VALIDATION_SEED = 9L;

  @Override
  public String name() {
    return "watermark";
  }

  @Override
  public String summary() {
    return "watermarked image in, clean image out (digits and colour; held-out fonts and shapes), vs median filter";
  }

  /** One of the two parts' measurements. */
  private record Part(String label, double watermarked, double restored, double median, Path model, int train,
      int validation, int test, int epochs, Augmentation augmentation) {}

  @Override
  public DemoResult run(DemoSettings settings) throws IOException {
    DemoData.Digits mnist = DemoData.mnist(settings, 2000, 4000, 300, 1000);
    EmojiImages.Split emoji = EmojiImages.load(settings.home());
    Dataset colourTrain = EmojiImages.dataset(emoji.train(), settings.sized(500, Integer.MAX_VALUE),
        ColourDemo.SIDE, EmojiImages.Form.RGB, EmojiImages.IMAGE_DIR + " train");
    Dataset colourValidation = EmojiImages.dataset(emoji.validation(), settings.sized(100, Integer.MAX_VALUE),
        ColourDemo.SIDE, EmojiImages.Form.RGB, EmojiImages.IMAGE_DIR + " validation");
    Dataset colourTest = EmojiImages.dataset(emoji.test(), settings.sized(200, Integer.MAX_VALUE), ColourDemo.SIDE,
        EmojiImages.Form.RGB, EmojiImages.IMAGE_DIR + " held-out");
    Map<String, Object> figures = new LinkedHashMap<>();
    Part digits = part("digits", DIGITS_MODEL, mnist.train(), mnist.validation(), mnist.test(), PLAIN,
        settings.epochsOr(3, 20), settings, Map.of(), figures);
    Augmentation colourPairs = settings.quick() ? PLAIN : COLOUR_FULL;
    Part colour = part("colour", COLOUR_MODEL, colourTrain, colourValidation, colourTest, colourPairs,
        settings.epochsOr(12, COLOUR_FULL_EPOCHS), settings, emoji.provenance(), figures);
    List<DemoResult.Check> checks = new ArrayList<>();
    // A quick run's colour model (12 epochs on 500 images) is still learning to copy the unmarked pixels exactly;
    // it is held to the median-filter baseline, the full run to the watermarked input and the goal.
    checks.add(DemoResult.Check.below("digits: restored MSE < watermarked MSE", digits.restored, digits.watermarked));
    checks.add(settings.quick()
        ? DemoResult.Check.below("colour: restored MSE < median-filter MSE (quick run)", colour.restored,
            colour.median)
        : DemoResult.Check.below("colour: restored MSE < watermarked MSE", colour.restored, colour.watermarked));
    for (Part p : List.of(digits, colour)) {
      if (!settings.quick()) {
        checks.add(DemoResult.Check.goalBelow(p.label + ": restored MSE < " + GOAL + " × watermarked MSE",
            p.restored, GOAL * p.watermarked));
      }
    }
    return new DemoResult(name(), "Watermark removal",
        String.format(Locale.ROOT, "Two fully convolutional autoencoders (Conv32-Conv32 encoder, no pooling, "
            + "mirrored decoder, MSE, Adam 0.003) trained on watermarked → clean pairs: %d MNIST digits (%d epochs) "
            + "and %d colour emoji at %d×%d (%d epochs). Both are residual (`conv.residual`): the decoder predicts a "
            + "correction that is added to the input's logit, so the pixels a watermark left alone cost nothing to "
            + "reproduce. Training watermarks are drawn with Java2D, each a word (%s) or a logo (%s) at a random "
            + "position, angle, size, opacity (0.35–0.75) and colour; digits: %s; emoji: %s. The %d + %d held-out "
            + "test images carry one watermark each, of another style never seen in training: words %s in %s, and "
            + "%s. `val_loss` comes from %d + %d validation images with training-style watermarks (digits: a seeded "
            + "%.0f%% of the training pool; emoji: the validation side of the split by emoji); every figure comes "
            + "from the test images, which no training or validation step saw.",
            digits.train, digits.epochs, colour.train, ColourDemo.SIDE, ColourDemo.SIDE, colour.epochs,
            Watermarks.Style.TRAINING.words, Watermarks.Style.TRAINING.shapes, digits.augmentation.describe(),
            colour.augmentation.describe(), digits.test, colour.test, Watermarks.Style.HELD_OUT.words,
            fontNames(Watermarks.Style.HELD_OUT), Watermarks.Style.HELD_OUT.shapes, digits.validation,
            colour.validation, 100 * DemoData.VALIDATION_FRACTION),
        figures, checks,
        Map.of("grid-digits.png", "held-out digits: watermarked (unseen style), clean, restored, median filter",
            "grid-colour.png", "held-out emoji: watermarked (unseen style), clean, restored, median filter",
            "loss-colour.png", "colour model: training and validation loss per epoch"),
        digits.model);
  }

  private static Part part(String label, String modelName, Dataset train, Dataset validation, Dataset test,
      Augmentation augmentation, int epochs, DemoSettings settings, Map<String, Object> provenance,
      Map<String, Object> figures) throws IOException {
    Dataset markedValidation = Watermarks.apply(validation, Watermarks.Style.TRAINING, VALIDATION_SEED,
        augmentation.validationMarks());
    Dataset markedTest = Watermarks.apply(test, Watermarks.Style.HELD_OUT, TEST_SEED);
    AutoencoderSpec spec = AutoencoderSpec.builder(modelName)
        .inputShape(train.height(), train.width(), train.channels())
        .convolutional(new ConvSpec(List.of(32, 32), 3, 1, DecoderMode.UPSAMPLE, true)).loss(LossKind.MSE)
        .training(new TrainingSpec(OptimizerKind.ADAM, LEARNING_RATE, epochs, 32, 0, TrainingSpec.SEED_DEFAULT, 0))
        .build();
    TrainingData data = augmentation.pairs(train, validation, markedValidation);
    try (TrainedModel model = DemoTraining.train(spec, data, settings)) {
      float[] restored = model.reconstruct(markedTest);
      float[] median = ImageMath.median3x3(markedTest.values(), test.count(), test.height(), test.width(),
          test.channels());
      double w = Metrics.meanSquaredError(markedTest.values(), test.values());
      double r = Metrics.meanSquaredError(restored, test.values());
      double m = Metrics.meanSquaredError(median, test.values());
      Map<String, Object> mine = new LinkedHashMap<>();
      mine.put(label + ": held-out MSE to clean, watermarked", w);
      mine.put(label + ": held-out MSE to clean, restored", r);
      mine.put(label + ": held-out MSE to clean, 3×3 median filter", m);
      mine.put(label + ": restored / watermarked (goal ≤ " + GOAL + ")", r / w);
      mine.put(label + ": training seconds", model.history().epochs().stream().mapToDouble(e -> e.seconds()).sum());
      mine.put(label + ": training samples", train.count());
      mine.put(label + ": training pairs per epoch", data.inputs().count());
      mine.put(label + ": validation samples (val_loss only)", validation.count());
      mine.put(label + ": test samples (the figures above)", test.count());
      figures.putAll(mine);
      Map<String, Object> origin = new LinkedHashMap<>(provenance);
      origin.put("watermarks", "training pairs: " + augmentation.describe() + ", training style "
          + Watermarks.Style.TRAINING.words + " " + Watermarks.Style.TRAINING.shapes + " seed " + TRAIN_SEED
          + " (+1000 per copy; validation seed " + VALIDATION_SEED + ", " + augmentation.validationMarks()
          + " watermarks); held-out style seed " + TEST_SEED);
      int n = 10;
      int[] picks = DemoRuns.spread(test.count(), n);
      Path dir = DemoTraining.export(model, data, settings, origin, DemoRuns.withExamples(ModelCard.toJson(mine),
          markedTest.values(), test.height(), test.width(), test.channels(), picks));
      int size = test.sampleSize();
      int h = test.height();
      int c = test.channels();
      Figures.grid(settings.out().resolve("grid-" + label + ".png"), List.of(
          new Figures.Row("watermarked", DemoRuns.pick(markedTest.values(), size, picks), h, h, c),
          new Figures.Row("clean target", DemoRuns.pick(test.values(), size, picks), h, h, c),
          new Figures.Row("restored", DemoRuns.pick(restored, size, picks), h, h, c),
          new Figures.Row("baseline: median 3×3", DemoRuns.pick(median, size, picks), h, h, c)), n);
      Figures.lossCurve(settings.out().resolve("loss-" + label + ".png"), model.history());
      return new Part(label, w, r, m, dir, train.count(), validation.count(), test.count(), epochs,
          augmentation);
    }
  }

  private static String fontNames(Watermarks.Style style) {
    return style.fonts.stream().map(f -> f.getFamily() + (f.isBold() ? " bold" : "") + (f.isItalic() ? " italic" : ""))
        .toList().toString();
  }
}
