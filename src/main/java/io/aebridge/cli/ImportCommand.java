package io.aebridge.cli;

import io.aebridge.export.SavedModelExporter;
import io.aebridge.keras.KerasCard;
import io.aebridge.keras.KerasModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.SignatureInfo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import",
    description = {
        "Turn a Keras model file into a SavedModel in the TF Serving layout: FILE.keras (Keras 3) or FILE.h5 "
            + "(Keras 2 / tf.keras). The model is rebuilt as a TensorFlow graph in Java (no Python), with "
            + "serving_default, plus encode/decode when it is an autoencoder (sub-models named encoder/decoder, "
            + "the narrowest layer of a model whose output has its input's shape, or --code-layer). Layers that "
            + "cannot be rebuilt (Lambda, custom layers, unknown activations, mixed precision, channels_first) are "
            + "refused by name before anything is written. See docs/keras-import.md.",
        "",
        "Examples:",
        "  aebridge import autoencoder.keras                      # → saved-models/autoencoder/<next>/",
        "  aebridge import ae.h5 --name tutorial --models /srv/models",
        "  aebridge import model.keras --code-layer bottleneck"})
final class ImportCommand implements Callable<Integer> {
  @Parameters(paramLabel = "FILE", description = "A .keras or .h5 file saved with model.save().")
  Path file;

  @Option(names = "--name", paramLabel = "N", description = "Model name. Default: the file name without extension.")
  String name;

  @Option(names = "--models", paramLabel = "DIR", defaultValue = "saved-models",
      description = "Models folder (<DIR>/<name>/<version>/). Default: ${DEFAULT-VALUE}.")
  Path models;

  @Option(names = "--code-layer", paramLabel = "NAME",
      description = "The top-level layer whose output is the code (adds encode/decode).")
  String codeLayer;

  @Override
  public Integer call() throws Exception {
    String model = name != null ? name : defaultName(file);
    if (!model.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
      throw new IllegalArgumentException("--name must be letters, digits, '_', '.' or '-', found '" + model + "'");
    }
    try (KerasModel keras = KerasModel.read(file, codeLayer, KerasModel.Limits.DEFAULT)) {
      KerasCard card = KerasCard.of(model, keras);
      SavedModelExporter.Exported out = SavedModelExporter.exportVersion(models, model, dir -> {
        keras.writeSavedModel(dir);
        card.write(dir.resolve(ModelLayout.MODEL_CARD_FILE));
      });
      KerasModel.Source s = keras.source();
      System.out.println("Imported " + file + " (" + s.modelClass() + ", Keras " + s.kerasVersion() + ", "
          + s.layers().size() + " layers, " + s.parameterCount() + " weights) → " + out.directory());
      if (s.codeLayer() != null) {
        System.out.println("Autoencoder: code = output of '" + s.codeLayer() + "' (" + s.codeFoundBy() + ")");
      }
      for (SignatureInfo sig : keras.signatures()) {
        System.out.println("  " + sig.key() + ": " + sig.inputs() + " → " + sig.outputs());
      }
    }
    return 0;
  }

  static String defaultName(Path file) {
    String n = file.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return (dot > 0 ? n.substring(0, dot) : n).replaceAll("[^A-Za-z0-9_.-]", "_");
  }
}
