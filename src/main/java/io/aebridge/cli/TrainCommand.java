package io.aebridge.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.data.Dataset;
import io.aebridge.graph.ModelWeights;
import io.aebridge.keras.KerasSpec;
import io.aebridge.load.ModelLayout;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ModelKind;
import io.aebridge.train.TrainingData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
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
        "  aebridge train --data watermarked/ --target clean/ --name dewatermark",
        "  aebridge train --from autoencoder.keras --epochs 5   # continue a Keras model (.keras or .h5)"})
final class TrainCommand implements Callable<Integer> {
  @ParentCommand Main main;
  @Mixin SpecOptions specOptions;
  @Mixin DataOptions dataOptions;

  @Option(names = "--models", paramLabel = "DIR", defaultValue = "saved-models",
      description = "Models root (TF Serving layout). Default: ${DEFAULT-VALUE}.")
  Path models;

  @Option(names = "--from", paramLabel = "FILE",
      description = "Start from the weights of a Keras autoencoder file (.keras or .h5) instead of fresh ones; "
          + "or give a model folder made by `aebridge import` to use the file its card names (unchanged). The "
          + "file's architecture replaces the architecture options. Dense stacks and same-padded conv/pool "
          + "encoders with a mirrored decoder (the Keras tutorial's conv model included) map; other models are "
          + "refused, naming the layer "
          + "(docs/keras-import.md).")
  Path from;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    if (from != null) {
      return trainFrom();
    }
    AutoencoderSpec spec = specOptions.resolve();
    TrainingData data = dataOptions.load(main.home(), spec.training().seed());
    return report(spec, TrainingRun.trainAndExport(spec, data, models, ConsoleProgress.forSystemOut()));
  }

  private int trainFrom() throws Exception {
    Path file = from;
    String importedSha = null;
    if (Files.isDirectory(from)) {
      // A model imported with `aebridge import`: its card names the Keras file, which must be unchanged.
      Path card = InspectCommand.resolveVersion(from).resolve(ModelLayout.MODEL_CARD_FILE);
      JsonNode source = Files.isRegularFile(card) ? JSON.readTree(card.toFile()).path("source") : null;
      if (source == null || !source.path("file").isTextual() || !source.path("sha256").isTextual()) {
        throw new IllegalArgumentException("--from " + from + ": not a Keras file, and " + card + " is not the card "
            + "of a model made by `aebridge import` (no source.file and source.sha256); give the .keras/.h5 file");
      }
      file = Path.of(source.path("file").asText());
      importedSha = source.path("sha256").asText();
    }
    // The name: --name, else the spec file's, else the Keras file's.
    KerasSpec keras =
        KerasSpec.read(file, specOptions.name != null ? specOptions.name : ImportCommand.defaultName(file));
    if (importedSha != null && !importedSha.equals(keras.source().get("sha256"))) {
      throw new IllegalArgumentException("--from " + from + ": its card's source file " + file + " has changed since "
          + "the import (SHA-256 " + keras.source().get("sha256") + ", the card says " + importedSha + ")");
    }
    AutoencoderSpec spec = specOptions.resolveOver(keras.spec(), from.toString());
    TrainingData data = dataOptions.load(main.home(), spec.training().seed());
    Dataset in = data.inputs();
    if (spec.kind() != ModelKind.CONVOLUTIONAL && spec.inputSize() == in.sampleSize()) {
      // A flat Keras input ([784]) says nothing of the samples' layout; the card keeps the data's (28×28×1).
      spec = spec.toBuilder().inputShape(in.height(), in.width(), in.channels()).build();
    }
    Map<String, ModelWeights.Tensor> initial = new LinkedHashMap<>();
    keras.weights().forEach((k, v) -> initial.put(k, new ModelWeights.Tensor(v.shape(), v.floats())));
    System.out.println("Starting from " + file + " (" + keras.source().get("format") + ", Keras "
        + keras.source().get("kerasVersion") + ") as a " + spec.kind().jsonName() + " autoencoder, code "
        + spec.codeShape() + ", " + initial.size() + " variables");
    return report(spec, TrainingRun.trainAndExport(spec, data, models, ConsoleProgress.forSystemOut(),
        new TrainingRun.Start(new ModelWeights(initial), keras.source())));
  }

  private static int report(AutoencoderSpec spec, TrainingRun.Outcome outcome) {
    var last = outcome.history().last();
    System.out.printf(Locale.ROOT, "Exported %s version %d to %s%n", spec.name(), outcome.version(),
        outcome.directory());
    System.out.printf(Locale.ROOT, "Final %s loss %.4f%s, %,.0f samples/s (steady state)%n", outcome.loss(),
        last.loss(), last.hasValidation() ? String.format(Locale.ROOT, ", val_loss %.4f", last.valLoss()) : "",
        outcome.history().steadySamplesPerSecond());
    return 0;
  }
}
