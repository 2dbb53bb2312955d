package io.aebridge.train;

import io.aebridge.data.Dataset;
import java.util.Objects;
import java.util.Optional;

/**
 * What to train on: inputs, and targets that differ from them for paired training (watermarked → clean, grey →
 * colour), plus optional validation data. For plain and denoising autoencoders the targets are the inputs.
 *
 * @param inputs training inputs
 * @param targets training targets, same count and sample size as the inputs
 * @param validationInputs validation inputs, or {@code null}
 * @param validationTargets validation targets, or {@code null} (then the validation inputs)
 */
public record TrainingData(Dataset inputs, Dataset targets, Dataset validationInputs, Dataset validationTargets) {
  public TrainingData {
    Objects.requireNonNull(inputs, "inputs");
    targets = targets == null ? inputs : targets;
    checkPaired("training", inputs, targets);
    if (validationInputs != null) {
      validationTargets = validationTargets == null ? validationInputs : validationTargets;
      checkPaired("validation", validationInputs, validationTargets);
      if (validationInputs.sampleSize() != inputs.sampleSize()) {
        throw new IllegalArgumentException("Validation samples have " + validationInputs.sampleSize()
            + " values each, training samples " + inputs.sampleSize());
      }
    } else if (validationTargets != null) {
      throw new IllegalArgumentException("Validation targets given without validation inputs");
    }
  }

  /** Inputs that are their own targets, with optional validation data. */
  public static TrainingData autoencoding(Dataset inputs, Dataset validation) {
    return new TrainingData(inputs, null, validation, null);
  }

  public Optional<Dataset> validation() {
    return Optional.ofNullable(validationInputs);
  }

  /** Whether every input and target value lies in [0,1], which makes {@code loss: auto} choose BCE. */
  public boolean inUnitInterval() {
    return inputs.isUnitInterval() && (targets == inputs || targets.isUnitInterval());
  }

  private static void checkPaired(String what, Dataset in, Dataset out) {
    if (in.count() != out.count()) {
      throw new IllegalArgumentException("Paired " + what + " data: " + in.count() + " inputs (" + in.source()
          + ") but " + out.count() + " targets (" + out.source() + ")");
    }
    if (in.sampleSize() != out.sampleSize()) {
      throw new IllegalArgumentException("Paired " + what + " data: inputs are " + in.height() + "×" + in.width()
          + "×" + in.channels() + " (" + in.source() + ") but targets are " + out.height() + "×" + out.width() + "×"
          + out.channels() + " (" + out.source() + "); an autoencoder's output has its input's shape (for colouring, "
          + "read the grey inputs as RGB so both have 3 channels)");
    }
  }
}
