package io.aebridge.cli;

import io.aebridge.data.DataSources;
import io.aebridge.data.Dataset;
import io.aebridge.data.Mnist;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where training data comes from: the project's MNIST split by default, or the user's files. */
final class DataOptions {
  @Option(names = "--data", paramLabel = "PATH",
      description = "Training inputs: .npy, IDX (.idx/-ubyte, optionally .gz), .csv, or a folder of PNG images. "
          + "Default: the real MNIST digits in data/mnist (8,000 train / 2,000 held-out).")
  Path data;

  @Option(names = "--target", paramLabel = "PATH",
      description = "Training targets for paired training (e.g. clean images for watermarked inputs); "
          + "same count and shape as --data. Default: the inputs themselves.")
  Path target;

  @Option(names = "--validation", paramLabel = "PATH",
      description = "Held-out inputs for val_loss. Default: MNIST's held-out 2,000 when training on MNIST.")
  Path validation;

  @Option(names = "--validation-target", paramLabel = "PATH", description = "Held-out targets for paired data.")
  Path validationTarget;

  @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training samples (quick runs).")
  Integer limit;

  /** The data, read and checked; MNIST comes from {@code home}/data/mnist. */
  TrainingData load(Path home) throws IOException {
    Dataset inputs;
    Dataset validationInputs = null;
    if (data == null) {
      Mnist.Split mnist = Mnist.load(home);
      inputs = mnist.train();
      validationInputs = validation == null ? mnist.test() : null;
    } else {
      inputs = DataSources.read(data);
    }
    Dataset targets = target == null ? null : DataSources.read(target);
    if (validation != null) {
      validationInputs = DataSources.read(validation);
    }
    Dataset validationTargets = validationTarget == null ? null : DataSources.read(validationTarget);
    if (limit != null) {
      if (limit <= 0) {
        throw new IllegalArgumentException("--limit must be positive, found " + limit);
      }
      inputs = inputs.head(limit);
      targets = targets == null ? null : targets.head(limit);
    }
    return new TrainingData(inputs, targets, validationInputs, validationTargets);
  }
}
