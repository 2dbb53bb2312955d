package io.aebridge.train;

/** Training was cancelled (Ctrl-C or {@link Trainer#cancel()}) before it finished; nothing was exported. */
public final class TrainingCancelledException extends RuntimeException {
  TrainingCancelledException(int epoch, int batch) {
    super("Training cancelled at epoch " + epoch + ", batch " + batch + "; no model was written");
  }
}
