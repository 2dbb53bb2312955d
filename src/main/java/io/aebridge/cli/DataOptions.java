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
          + "Default: the real MNIST digits in data/mnist: the 8,000 training digits less a seeded 10% that give "
          + "val_loss; the 2,000 test digits are left for `aebridge evaluate`.")
  Path data;

  @Option(names = "--target", paramLabel = "PATH",
      description = "Training targets for paired training (e.g. clean images for watermarked inputs); "
          + "same count and shape as --data. Default: the inputs themselves.")
  Path target;

  @Option(names = "--validation", paramLabel = "PATH",
      description = "Held-out inputs for val_loss. Default on MNIST: a seeded 10% of the training digits (never the "
          + "test digits, which evaluation keeps).")
  Path validation;

  @Option(names = "--validation-target", paramLabel = "PATH", description = "Held-out targets for paired data.")
  Path validationTarget;

  @Option(names = "--limit", paramLabel = "N", description = "Use only the first N training samples (quick runs).")
  Integer limit;

  /**
   * The data, read and checked; MNIST comes from {@code home}/data/mnist. On MNIST without {@code --validation},
   * {@code val_loss} comes from a {@code seed}ed share of the training digits ({@link QuickstartCommand#trainingData}),
   * so a model is never selected on the test digits its evaluation reports.
   */
  TrainingData load(Path home, long seed) throws IOException {
    Dataset inputs;
    Dataset validationInputs = null;
    if (data == null) {
      Mnist.Split mnist = Mnist.load(home);
      if (validation == null) {
        TrainingData split = QuickstartCommand.trainingData(mnist, seed);
        inputs = split.inputs();
        validationInputs = split.validationInputs();
      } else {
        inputs = mnist.train();
      }
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
