package io.aebridge.spec;

/**
 * How to train: optimizer, schedule and reproducibility.
 *
 * @param optimizer gradient method
 * @param learningRate step size &gt; 0 (use 1.0 for AdaDelta to match the tutorial)
 * @param epochs passes over the training set
 * @param batchSize samples per step
 * @param validationSplit fraction of the training set held out for val_loss when no validation file is given (0 =
 *     none)
 * @param seed seeds weight initialisation, shuffling, corruption and the validation split: same seed, same weights
 *     and same losses
 * @param patience stop after this many epochs without a better val_loss (0 = never stop early)
 */
public record TrainingSpec(
    OptimizerKind optimizer,
    double learningRate,
    int epochs,
    int batchSize,
    double validationSplit,
    long seed,
    int patience) {

  /** Keras's Adam default. */
  public static final double LEARNING_RATE_DEFAULT = 0.001;
  public static final int EPOCHS_DEFAULT = 50;
  public static final int BATCH_SIZE_DEFAULT = 256;
  public static final long SEED_DEFAULT = 42L;

  public TrainingSpec {
    Checks.required("training.optimizer", optimizer);
    Checks.positive("training.learningRate", learningRate);
    Checks.positive("training.epochs", epochs);
    Checks.positive("training.batchSize", batchSize);
    if (!(validationSplit >= 0 && validationSplit < 1)) {
      throw new SpecException("training.validationSplit", validationSplit, "must lie in [0, 1)");
    }
    if (patience < 0) {
      throw new SpecException("training.patience", patience, "must be ≥ 0 (0 turns early stopping off)");
    }
  }

  /** The tutorial's schedule: Adam 0.001, 50 epochs, batch 256, no split, seed 42, no early stopping. */
  public static TrainingSpec defaults() {
    return new TrainingSpec(OptimizerKind.ADAM, LEARNING_RATE_DEFAULT, EPOCHS_DEFAULT, BATCH_SIZE_DEFAULT, 0, SEED_DEFAULT, 0);
  }

  public TrainingSpec withEpochs(int newEpochs) {
    return new TrainingSpec(optimizer, learningRate, newEpochs, batchSize, validationSplit, seed, patience);
  }

  public TrainingSpec withBatchSize(int newBatchSize) {
    return new TrainingSpec(optimizer, learningRate, epochs, newBatchSize, validationSplit, seed, patience);
  }

  public TrainingSpec withSeed(long newSeed) {
    return new TrainingSpec(optimizer, learningRate, epochs, batchSize, validationSplit, newSeed, patience);
  }
}
