package io.aebridge.cli;

import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.train.TrainingData;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "train", sortOptions = false,
    description = {
        "Train an autoencoder with TensorFlow Java and export it as a SavedModel into "
            + "<models>/<name>/<version>/.",
        "",
        "Examples:",
        "  aebridge train                                   # the tutorial's 784-32-784 on MNIST, 50 epochs",
        "  aebridge train --name deep --encoder-layers 128,64 --code-size 32 --epochs 100",
        "  aebridge train --spec docs/examples/conv.json --epochs 5",
        "  aebridge train --name denoise --corruption gaussian:0.5",
        "  aebridge train --data watermarked/ --target clean/ --name dewatermark"})
final class TrainCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin SpecOptions specOptions;
  @Mixin DataOptions dataOptions;

  @Option(names = "--models", paramLabel = "DIR", defaultValue = "saved-models",
      description = "Models root (TF Serving layout). Default: ${DEFAULT-VALUE}.")
  Path models;

  @Override
  public Integer call() throws Exception {
    AutoencoderSpec spec = specOptions.resolve();
    TrainingData data = dataOptions.load(main.home(), spec.training().seed());
    TrainingRun.Outcome outcome =
        TrainingRun.trainAndExport(spec, data, models, ConsoleProgress.forSystemOut());
    var last = outcome.history().last();
    System.out.printf(Locale.ROOT, "Exported %s version %d to %s%n", spec.name(), outcome.version(),
        outcome.directory());
    System.out.printf(Locale.ROOT, "Final %s loss %.4f%s, %,.0f samples/s (steady state)%n", outcome.loss(),
        last.loss(), last.hasValidation() ? String.format(Locale.ROOT, ", val_loss %.4f", last.valLoss()) : "",
        outcome.history().steadySamplesPerSecond());
    return 0;
  }
}
