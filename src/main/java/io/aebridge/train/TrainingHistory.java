package io.aebridge.train;

import java.util.List;

/**
 * What happened during training; saved in the model card.
 *
 * @param loss the resolved reconstruction loss ({@code bce} or {@code mse})
 * @param epochs per-epoch statistics in order
 * @param stoppedEarly whether early stopping ended training before the last epoch
 * @param trainSamples samples per epoch
 * @param validationSamples validation samples (0 when none)
 */
public record TrainingHistory(String loss, List<EpochStats> epochs, boolean stoppedEarly, int trainSamples,
    int validationSamples) {

  public TrainingHistory {
    epochs = List.copyOf(epochs);
  }

  public EpochStats last() {
    if (epochs.isEmpty()) {
      throw new IllegalStateException("No epoch was completed");
    }
    return epochs.get(epochs.size() - 1);
  }

  /** Mean samples/s over the epochs after the first (which includes warm-up), or the first when only one ran. */
  public double steadySamplesPerSecond() {
    if (epochs.size() == 1) {
      return epochs.get(0).samplesPerSecond();
    }
    double samples = 0;
    double seconds = 0;
    for (EpochStats e : epochs.subList(1, epochs.size())) {
      samples += e.samplesPerSecond() * e.seconds();
      seconds += e.seconds();
    }
    return samples / seconds;
  }
}
