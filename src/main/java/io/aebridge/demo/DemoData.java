package io.aebridge.demo;

import io.aebridge.data.Dataset;
import io.aebridge.data.Mnist;
import io.aebridge.data.Splits;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.util.Locale;
import java.util.Objects;

/**
 * The digits every MNIST demo uses, split as the {@code train} command splits them: the training digits less a
 * seeded {@value #VALIDATION_FRACTION} share, which gives {@code val_loss}; the test digits are kept for the
 * figures, which therefore come from data no training or validation step saw. Stateless.
 */
final class DemoData {
  /** The share of the training digits held out for {@code val_loss}, as {@code aebridge train}'s default split. */
  static final double VALIDATION_FRACTION = 0.1;
  /** The split's seed: the training spec's default seed, as {@code aebridge train} uses. */
  static final long SPLIT_SEED = TrainingSpec.SEED_DEFAULT;

  private DemoData() {}

  /**
   * The three parts of a demo's digits.
   *
   * @param train what the model trains on
   * @param validation a seeded share of the training digits, for {@code val_loss} only
   * @param test held-out test digits: every figure of the report comes from these
   */
  record Digits(Dataset train, Dataset validation, Dataset test) {
    Digits {
      Objects.requireNonNull(train, "train");
      Objects.requireNonNull(validation, "validation");
      Objects.requireNonNull(test, "test");
    }

    /** Autoencoding on the training digits, {@code val_loss} on the validation digits (never the test digits). */
    TrainingData autoencoding() {
      return TrainingData.autoencoding(train, validation);
    }

    /** One sentence for a report: where training, validation and figures come from. */
    String splitSentence() {
      return String.format(Locale.ROOT, "Split as `aebridge train` splits: %d training digits, `val_loss` on a "
          + "seeded %.0f%% of the training pool (%d digits), every figure on %d MNIST test digits that no training "
          + "or validation step saw.", train.count(), 100 * VALIDATION_FRACTION, validation.count(), test.count());
    }
  }

  /**
   * The first {@code quickPool}/{@code fullPool} training digits (a quick or full run), less the validation share,
   * and the first {@code quickTest}/{@code fullTest} test digits; {@link Integer#MAX_VALUE} takes all.
   *
   * @throws IOException when the digits cannot be read (the message names the fetch script)
   */
  static Digits mnist(DemoSettings settings, int quickPool, int fullPool, int quickTest, int fullTest)
      throws IOException {
    Mnist.Split mnist = Mnist.load(settings.home());
    Splits.TrainValidation split = Splits.validationSplit(mnist.train().head(settings.sized(quickPool, fullPool)),
        VALIDATION_FRACTION, SPLIT_SEED);
    return new Digits(split.train(), split.validation(), mnist.test().head(settings.sized(quickTest, fullTest)));
  }

  /** {@link #mnist(DemoSettings, int, int, int, int)} with every digit in a full run. */
  static Digits mnist(DemoSettings settings, int quickPool, int quickTest) throws IOException {
    return mnist(settings, quickPool, Integer.MAX_VALUE, quickTest, Integer.MAX_VALUE);
  }
}
