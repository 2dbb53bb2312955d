package io.aebridge.cli;

import io.aebridge.data.Mnist;
import io.aebridge.load.ModelLayout;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.TrainingData;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
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
    OptionalLong existing = ModelLayout.latestVersion(modelDir);
    Path version;
    if (existing.isPresent()) {
      version = modelDir.resolve(Long.toString(existing.getAsLong()));
      System.out.println("Using " + version + " (delete " + modelDir + " to train afresh).");
    } else {
      Mnist.Split mnist = Mnist.load(main.home());
      TrainingRun.Outcome outcome = TrainingRun.trainAndExport(spec,
          TrainingData.autoencoding(mnist.train(), mnist.test()), models, ConsoleProgress.forSystemOut());
      version = outcome.directory();
      System.out.printf(Locale.ROOT, "Exported %s version %d to %s (held-out %s %.4f)%n", spec.name(),
          outcome.version(), version, outcome.loss(), outcome.history().last().valLoss());
    }
    Mnist.Split mnist = Mnist.load(main.home());
    Path reportDir = Evaluation.defaultOut(version);
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
}
