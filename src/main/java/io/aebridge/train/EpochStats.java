package io.aebridge.train;

/**
 * One epoch of training.
 *
 * @param epoch 1-based epoch number
 * @param loss mean total loss (reconstruction + penalty) over the epoch's batches, weighted by batch size
 * @param reconstructionLoss mean reconstruction loss over the epoch
 * @param penalty mean penalty over the epoch (0 without penalties)
 * @param valLoss total loss on the validation data after the epoch, NaN without validation data
 * @param valReconstructionLoss reconstruction loss on the validation data, NaN without validation data
 * @param seconds wall time of the epoch's training steps (validation excluded)
 * @param samplesPerSecond training samples processed per second in this epoch
 */
public record EpochStats(int epoch, double loss, double reconstructionLoss, double penalty, double valLoss,
    double valReconstructionLoss, double seconds, double samplesPerSecond) {

  public boolean hasValidation() {
    return !Double.isNaN(valLoss);
  }
}
