package io.aebridge.demo;

import io.aebridge.data.Dataset;
import io.aebridge.evaluate.Metrics;
import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.DecoderMode;
import io.aebridge.spec.LossKind;
import io.aebridge.spec.OptimizerKind;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.EpochStats;
import io.aebridge.train.ProgressListener;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.Trainer;
import io.aebridge.train.TrainingData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One variant of the colour watermark model, trained and measured the way {@link WatermarkDemo} measures its colour
 * part (same emoji split at 32×32, same training, validation and held-out watermark styles and seeds), with the
 * held-out error split into the pixels the watermark changed and the pixels it left alone. A study tool behind
 * the watermark demo's model choice (bench/watermark-study.sh, docs/applications-runs/), not a test:
 *
 * <pre>
 * java -cp target/test-classes:target/aebridge.jar:target/lib/* io.aebridge.demo.WatermarkStudy \
 *     FILTERS KERNEL COPIES EPOCHS MARKS LEARNING_RATE FLIP [BATCH [OUTPUT_ACTIVATION]]
 * # e.g. 32,32 3 3 20 3 0.003 false 32 sigmoid
 * </pre>
 *
 * COPIES: the training images are repeated with independently drawn watermarks (seed 7 + 1000·copy); MARKS:
 * watermarks per training image, one number or a comma list cycled over the copies (validation images: the
 * largest); FLIP: add mirrored training images. Prints one line per epoch and a
 * {@code RESULT} line.
 */
public final class WatermarkStudy {
  private WatermarkStudy() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 7) {
      throw new IllegalArgumentException(
          "usage: FILTERS KERNEL COPIES EPOCHS MARKS LEARNING_RATE FLIP [BATCH [sigmoid|linear]]");
    }
    List<Integer> filters = Arrays.stream(args[0].split(",")).map(Integer::valueOf).toList();
    int kernel = Integer.parseInt(args[1]);
    int copies = Integer.parseInt(args[2]);
    int epochs = Integer.parseInt(args[3]);
    List<Integer> marks = Arrays.stream(args[4].split(",")).map(Integer::valueOf).toList();
    double learningRate = Double.parseDouble(args[5]);
    boolean flip = Boolean.parseBoolean(args[6]);
    int batch = args.length > 7 ? Integer.parseInt(args[7]) : 32;
    String output = args.length > 8 ? args[8] : "sigmoid";
    EmojiImages.Split emoji = EmojiImages.load(Path.of(System.getProperty("aebridge.home", ".")));
    int side = ColourDemo.SIDE;
    Dataset train = EmojiImages.dataset(emoji.train(), Integer.MAX_VALUE, side, EmojiImages.Form.RGB, "train");
    Dataset validation =
        EmojiImages.dataset(emoji.validation(), Integer.MAX_VALUE, side, EmojiImages.Form.RGB, "validation");
    Dataset test = EmojiImages.dataset(emoji.test(), Integer.MAX_VALUE, side, EmojiImages.Form.RGB, "test");
    if (flip) {
      train = Dataset.concat(List.of(train, ImageMath.mirrored(train)), "train and its mirror images");
    }
    List<Dataset> inputs = new ArrayList<>();
    List<Dataset> targets = new ArrayList<>();
    for (int c = 0; c < copies; c++) {
      inputs.add(Watermarks.apply(train, Watermarks.Style.TRAINING, WatermarkDemo.TRAIN_SEED + 1000L * c,
          marks.get(c % marks.size())));
      targets.add(train);
    }
    Dataset markedValidation =
        Watermarks.apply(validation, Watermarks.Style.TRAINING, WatermarkDemo.VALIDATION_SEED,
            marks.stream().mapToInt(Integer::intValue).max().orElseThrow());
    Dataset markedTest = Watermarks.apply(test, Watermarks.Style.HELD_OUT, WatermarkDemo.TEST_SEED);
    AutoencoderSpec spec = AutoencoderSpec.builder("watermark-study").inputShape(side, side, 3)
        .convolutional(new ConvSpec(filters, kernel, 1, DecoderMode.UPSAMPLE, true)).loss(LossKind.MSE)
        .outputActivation(output.equals("linear") ? Activation.LINEAR : Activation.SIGMOID)
        .training(new TrainingSpec(OptimizerKind.ADAM, learningRate, epochs, batch, 0, TrainingSpec.SEED_DEFAULT, 0))
        .build();
    long started = System.nanoTime();
    TrainingData data = new TrainingData(Dataset.concat(inputs, "watermarked"), Dataset.concat(targets, "clean"),
        markedValidation, validation);
    try (TrainedModel model = new Trainer().train(spec, data, new ProgressListener() {
      @Override
      public void onEpoch(EpochStats s, int total) {
        System.out.printf(Locale.ROOT, "epoch %d loss %.5f val %.5f %.0fs%n", s.epoch(), s.loss(), s.valLoss(),
            s.seconds());
      }
    })) {
      float[] restored = model.reconstruct(markedTest);
      float[] clean = test.values();
      float[] marked = markedTest.values();
      double watermarkedError = Metrics.meanSquaredError(marked, clean);
      double restoredError = Metrics.meanSquaredError(restored, clean);
      // The restored error's two parts, each as its share of the whole mean: pixels the watermark changed (the
      // removal left undone) and pixels it left alone (what the model damaged).
      double onMarked = 0;
      double onUntouched = 0;
      long markedCount = 0;
      for (int i = 0; i < clean.length; i++) {
        double d = restored[i] - clean[i];
        if (Math.abs(marked[i] - clean[i]) > 1e-3) {
          onMarked += d * d;
          markedCount++;
        } else {
          onUntouched += d * d;
        }
      }
      double validationRatio = Metrics.meanSquaredError(model.reconstruct(markedValidation), validation.values())
          / Metrics.meanSquaredError(markedValidation.values(), validation.values());
      System.out.printf(Locale.ROOT, "RESULT %s k%d copies%d ep%d marks%s lr%s flip%s b%d %s: test ratio %.4f "
          + "(w %.5f r %.5f) marked-px share %.3f, err on marked %.5f (n %d), on untouched %.6f; "
          + "val(train style) ratio %.4f; %.0f s%n", filters, kernel, copies, epochs, String.join("/", marks.stream().map(String::valueOf).toList()), learningRate, flip,
          batch, output, restoredError / watermarkedError, watermarkedError, restoredError,
          (double) markedCount / clean.length, onMarked / clean.length, markedCount, onUntouched / clean.length,
          validationRatio, (System.nanoTime() - started) / 1e9);
    }
  }
}
