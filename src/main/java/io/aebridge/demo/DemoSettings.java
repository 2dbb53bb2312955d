package io.aebridge.demo;

import io.aebridge.train.ProgressListener;
import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run a demo.
 *
 * @param home the project folder ({@code data/} lives there)
 * @param out the report folder of this demo (created when missing)
 * @param models the models root the trained model is exported into (TF Serving layout)
 * @param quick a small, fast run: fewer samples and epochs; its checks use looser bounds
 * @param epochs epochs to train, or 0 for the demo's default (quick or full)
 * @param progress training progress
 */
public record DemoSettings(Path home, Path out, Path models, boolean quick, int epochs, ProgressListener progress) {
  public DemoSettings {
    Objects.requireNonNull(home, "home");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(models, "models");
    Objects.requireNonNull(progress, "progress");
    if (epochs < 0) {
      throw new IllegalArgumentException("--epochs must be positive, found " + epochs);
    }
  }

  /** {@code epochs} when given, else {@code quickDefault} or {@code fullDefault}. */
  int epochsOr(int quickDefault, int fullDefault) {
    return epochs > 0 ? epochs : quick ? quickDefault : fullDefault;
  }

  /** {@code quickValue} in a quick run, else {@code fullValue}. */
  int sized(int quickValue, int fullValue) {
    return quick ? quickValue : fullValue;
  }
}
