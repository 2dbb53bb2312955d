package io.aebridge.cli;

import io.aebridge.train.EpochStats;
import io.aebridge.train.ProgressListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Keras-like progress: on a terminal a live bar per epoch (loss, samples/s, ETA) that ends in the epoch's summary;
 * elsewhere (logs, CI) one plain line per epoch.
 */
final class ConsoleProgress implements ProgressListener {
  private static final int BAR_WIDTH = 30;
  private final PrintStream out;
  private final boolean terminal;
  private int samplesPerEpoch;
  private long lastDraw;

  ConsoleProgress(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  static ConsoleProgress forSystemOut() {
    return new ConsoleProgress(System.out, System.console() != null && System.getenv("CI") == null);
  }

  @Override
  public void onStart(String modelName, int epochs, int batchesPerEpoch, int samples) {
    samplesPerEpoch = samples;
    out.printf(Locale.ROOT, "Training %s: %d samples, %d batches per epoch, %d epochs%n", modelName, samples,
        batchesPerEpoch, epochs);
  }

  @Override
  public void onBatch(int epoch, int batch, int batches, double runningLoss, double elapsedSeconds) {
    if (!terminal) {
      return;
    }
    long now = System.nanoTime();
    if (batch != batches && now - lastDraw < 100_000_000L) {
      return;
    }
    lastDraw = now;
    int filled = (int) Math.round(BAR_WIDTH * batch / (double) batches);
    double eta = elapsedSeconds / batch * (batches - batch);
    out.printf(Locale.ROOT, "\rEpoch %d %4d/%d [%s%s] loss %.4f  eta %.0fs   ", epoch, batch, batches,
        "=".repeat(filled), ".".repeat(BAR_WIDTH - filled), runningLoss, eta);
    out.flush();
  }

  @Override
  public void onEpoch(EpochStats s, int epochs) {
    StringBuilder line = new StringBuilder();
    line.append(String.format(Locale.ROOT, "Epoch %d/%d  loss %.4f", s.epoch(), epochs, s.loss()));
    if (s.penalty() > 0) {
      line.append(String.format(Locale.ROOT, " (reconstruction %.4f + penalty %.4f)", s.reconstructionLoss(),
          s.penalty()));
    }
    if (s.hasValidation()) {
      line.append(String.format(Locale.ROOT, "  val_loss %.4f", s.valLoss()));
    }
    line.append(String.format(Locale.ROOT, "  %.1fs  %,.0f samples/s", s.seconds(), s.samplesPerSecond()));
    out.print(terminal ? "\r" + line + " ".repeat(8) + System.lineSeparator() : line + System.lineSeparator());
    out.flush();
  }

  @Override
  public void onEarlyStop(int epoch, int bestEpoch) {
    out.printf(Locale.ROOT, "Early stopping after epoch %d: no better val_loss since epoch %d%n", epoch, bestEpoch);
  }

  int samplesPerEpoch() {
    return samplesPerEpoch;
  }
}
