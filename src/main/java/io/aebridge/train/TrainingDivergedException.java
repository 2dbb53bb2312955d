package io.aebridge.train;

/** The loss became NaN or infinite; the message names where and the likely fix. */
public final class TrainingDivergedException extends RuntimeException {
  private final int epoch;
  private final int batch;

  TrainingDivergedException(int epoch, int batch, int batches, double loss, double learningRate) {
    super("Loss became " + loss + " at epoch " + epoch + ", batch " + batch + " of " + batches
        + ". The learning rate " + learningRate + " is the usual cause: try " + (learningRate / 10)
        + ". Also check that inputs are scaled (e.g. to [0,1]) and contain no NaN or infinite values.");
    this.epoch = epoch;
    this.batch = batch;
  }

  public int epoch() {
    return epoch;
  }

  public int batch() {
    return batch;
  }
}
