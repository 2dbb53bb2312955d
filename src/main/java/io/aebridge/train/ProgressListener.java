package io.aebridge.train;

/** Receives training progress; called on the training thread, so implementations must return quickly. */
public interface ProgressListener {
  ProgressListener NONE = new ProgressListener() {};

  /** Before the first batch. */
  default void onStart(String modelName, int epochs, int batchesPerEpoch, int samplesPerEpoch) {}

  /** After each training step; {@code batch} is 1-based. */
  default void onBatch(int epoch, int batch, int batchesPerEpoch, double runningLoss, double elapsedSeconds) {}

  /** After each epoch, validation included. */
  default void onEpoch(EpochStats stats, int epochs) {}

  /** When early stopping ends training. */
  default void onEarlyStop(int epoch, int bestEpoch) {}
}
