package io.aebridge.cli;

import io.aebridge.data.Mnist;
import io.aebridge.data.Splits;
import io.aebridge.load.ModelLayout;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.TrainingData;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "quickstart",
    // One string: picocli wraps it to the terminal; separate elements would each break on their own.
    description = "The main job on the embedded default: train the tutorial's autoencoder (784 -> Dense(32, relu) "
        + "-> Dense(784, sigmoid), BCE, Adam, 50 epochs, batch 256) on the real MNIST digits if <models> has no "
        + "version of it yet, evaluate it against PCA, then serve every model under <models> (web page at "
        + "http://127.0.0.1:8080/). The ./aebridge launcher fetches MNIST first.")
final class QuickstartCommand implements Callable<Integer> {
  /**
   * Share of the training digits held out for {@code val_loss}: validation never touches the test digits, which
   * {@code evaluate} keeps for the held-out figure (a model selected on its own test set would flatter itself).
   */
  static final double VALIDATION_FRACTION = 0.1;

  @ParentCommand Main main;

  @Option(names = "--models", paramLabel = "DIR", defaultValue = "saved-models",
      description = "Models root. Default: ${DEFAULT-VALUE}.")
  Path models;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "" + TrainingSpec.EPOCHS_DEFAULT,
      description = "Epochs when the default model has to be trained. Default: ${DEFAULT-VALUE}.")
  int epochs;

  @Option(names = "--port", paramLabel = "N", description = "Port to serve on. Default: 8080.")
  Integer port;

  @Option(names = "--no-serve", description = "Stop after training and evaluating.")
  boolean noServe;

  @Override
  public Integer call() throws Exception {
    AutoencoderSpec spec = AutoencoderSpec.tutorialDefault();
    spec = spec.toBuilder().training(spec.training().withEpochs(epochs)).build();
    Path modelDir = models.resolve(spec.name());
    SortedMap<Long, String> existing = ModelLayout.versionFolders(modelDir);
    Path version;
    if (!existing.isEmpty()) {
      version = modelDir.resolve(existing.get(existing.lastKey()));
      System.out.println("Using " + version + " (delete " + modelDir + " to train afresh).");
    } else {
      Mnist.Split mnist = Mnist.load(main.home());
      TrainingData data = trainingData(mnist, spec.training().seed());
      TrainingRun.Outcome outcome = TrainingRun.trainAndExport(spec, data, models, ConsoleProgress.forSystemOut());
      version = outcome.directory();
      System.out.printf(Locale.ROOT, "Exported %s version %d to %s (validation %s %.4f on %d of the %d training "
          + "digits; trained on the other %d; the %d test digits are left for the evaluation)%n", spec.name(),
          outcome.version(), version, outcome.loss(), outcome.history().last().valLoss(),
          data.validationInputs().count(), mnist.train().count(), data.inputs().count(), mnist.test().count());
    }
    Mnist.Split mnist = Mnist.load(main.home());
    Path reportDir = Evaluation.defaultOut(version);
    System.out.println("Held-out figures below: the " + mnist.test().count() + " test digits ("
        + mnist.test().source() + "), used by no training or validation step.");
    System.out.println(Evaluation.run(version, mnist.train(), mnist.test(), reportDir).toText());
    System.out.println("Reconstructions (originals / autoencoder / PCA) and the loss curve: " + reportDir);
    List<String> names = ModelLayout.modelNames(models);
    System.out.println("Models under " + models + ": " + names);
    if (noServe) {
      return 0;
    }
    ServeCommand.start(models, port, null, null).awaitStop();
    return 0;
  }

  /**
   * What the quick start trains on: the training digits less a seeded {@link #VALIDATION_FRACTION} of them, which
   * give {@code val_loss}. The test digits are not part of it.
   */
  static TrainingData trainingData(Mnist.Split mnist, long seed) {
    Splits.TrainValidation split = Splits.validationSplit(mnist.train(), VALIDATION_FRACTION, seed);
    return TrainingData.autoencoding(split.train(), split.validation());
  }
}
