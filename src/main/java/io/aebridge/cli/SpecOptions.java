package io.aebridge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ModelKind;
import io.aebridge.spec.SpecJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import picocli.CommandLine.Option;

/**
 * The model to train: a JSON spec file, the tutorial's four hyperparameters as options, or both (options override
 * the file). Everything goes through {@link SpecJson}, so option errors read like spec errors.
 */
final class SpecOptions {
  @Option(names = "--spec", paramLabel = "FILE", description = "A JSON model spec (see docs/spec.md).")
  Path specFile;

  @Option(names = "--name", description = "Model name, the folder under the models root. Default: "
      + AutoencoderSpec.DEFAULT_NAME + " (or the spec's).")
  String name;

  @Option(names = "--kind", description = "dense, sparse, contractive or convolutional.")
  String kind;

  @Option(names = "--code-size", paramLabel = "N", description = "Units in the code (hyperparameter 1).")
  Integer codeSize;

  @Option(names = "--layers", paramLabel = "N", description = "Hidden layers in the encoder (hyperparameter 2).")
  Integer layers;

  @Option(names = "--nodes-per-layer", paramLabel = "N", description = "Units per hidden layer (hyperparameter 3).")
  Integer nodesPerLayer;

  @Option(names = "--encoder-layers", paramLabel = "N,N", split = ",",
      description = "Hidden layer sizes, outermost first, e.g. 128,64 (instead of --layers/--nodes-per-layer).")
  List<Integer> encoderLayers;

  @Option(names = "--loss", description = "mse, bce or auto (hyperparameter 4; auto = bce for data in [0,1]).")
  String loss;

  @Option(names = "--activation", description = "Hidden activation: relu, sigmoid, tanh, elu, leaky_relu, linear.")
  String activation;

  @Option(names = "--code-activation", description = "Activation of the code layer.")
  String codeActivation;

  @Option(names = "--corruption", paramLabel = "TYPE:AMOUNT",
      description = "Denoising: gaussian:SIGMA, masking:FRACTION or salt_and_pepper:FRACTION.")
  String corruption;

  @Option(names = "--epochs", paramLabel = "N") Integer epochs;
  @Option(names = "--batch-size", paramLabel = "N") Integer batchSize;
  @Option(names = "--learning-rate", paramLabel = "RATE") Double learningRate;
  @Option(names = "--optimizer", description = "adam, sgd, momentum, rmsprop or adadelta.") String optimizer;
  @Option(names = "--seed", paramLabel = "N") Long seed;
  @Option(names = "--patience", paramLabel = "N", description = "Early stopping patience in epochs (0 = off).")
  Integer patience;
  @Option(names = "--validation-split", paramLabel = "FRACTION",
      description = "Hold out this fraction of the training data when no validation data is given.")
  Double validationSplit;

  private static final ObjectMapper JSON = new ObjectMapper();

  AutoencoderSpec resolve() throws IOException {
    ObjectNode tree = specFile == null ? JSON.createObjectNode()
        : (ObjectNode) JSON.readTree(Files.readString(specFile));
    return resolve(tree);
  }

  /**
   * {@code base} (an architecture read from a file) with the spec file's and the options' settings on top; the
   * architecture itself must come out unchanged, since the weights are {@code base}'s. The kind may still turn a
   * dense model sparse or contractive (a penalty, not a shape) through {@code --spec}.
   *
   * @throws IllegalArgumentException naming the first architecture field the options would change
   */
  AutoencoderSpec resolveOver(AutoencoderSpec base, String what) throws IOException {
    ObjectNode tree = (ObjectNode) SpecJson.toTree(base);
    if (specFile != null) {
      tree.setAll((ObjectNode) JSON.readTree(Files.readString(specFile)));
    }
    AutoencoderSpec spec = resolve(tree);
    Map<String, Object> was = architecture(base);
    Map<String, Object> now = architecture(spec);
    for (Map.Entry<String, Object> e : was.entrySet()) {
      if (!e.getValue().equals(now.get(e.getKey()))) {
        throw new IllegalArgumentException(e.getKey() + " is " + e.getValue() + " in " + what + " but "
            + now.get(e.getKey()) + " after the options: with --from the architecture is the file's (its weights "
            + "fit no other); leave out the architecture options");
      }
    }
    return spec;
  }

  /** What decides the graph's variables and forward pass. */
  private static Map<String, Object> architecture(AutoencoderSpec s) {
    Map<String, Object> a = new LinkedHashMap<>();
    boolean conv = s.kind() == ModelKind.CONVOLUTIONAL;
    // A dense model sees flat samples: only their size is architecture.
    a.put(conv ? "inputShape" : "input size", conv ? s.inputShape() : s.inputSize());
    a.put("convolutional", conv);
    a.put("conv", String.valueOf(s.conv()));
    a.put("codeSize", s.codeSize());
    a.put("encoderLayers", s.encoderLayers());
    a.put("decoderLayers", s.resolvedDecoderLayers());
    a.put("encoderActivations", IntStream.range(0, s.encoderLayers().size()).mapToObj(s::encoderActivation).toList());
    a.put("decoderActivations",
        IntStream.range(0, s.resolvedDecoderLayers().size()).mapToObj(s::decoderActivation).toList());
    a.put("codeActivation", s.codeActivation());
    a.put("outputActivation", s.outputActivation());
    return a;
  }

  private AutoencoderSpec resolve(ObjectNode tree) {
    if (name != null || !tree.has("name")) {
      tree.put("name", name == null ? AutoencoderSpec.DEFAULT_NAME : name);
    }
    putIfSet(tree, "kind", kind);
    if (codeSize != null) {
      tree.put("codeSize", codeSize);
    }
    if (layers != null || nodesPerLayer != null) {
      tree.remove("encoderLayers");
      tree.put("layers", layers == null ? 1 : layers);
      tree.put("nodesPerLayer", nodesPerLayer == null ? 0 : nodesPerLayer);
    }
    if (encoderLayers != null) {
      ArrayNode list = tree.putArray("encoderLayers");
      encoderLayers.forEach(list::add);
    }
    putIfSet(tree, "loss", loss);
    putIfSet(tree, "activation", activation);
    putIfSet(tree, "codeActivation", codeActivation);
    if (corruption != null) {
      String[] parts = corruption.split(":", 2);
      if (parts.length != 2) {
        throw new IllegalArgumentException("--corruption must be TYPE:AMOUNT, e.g. gaussian:0.5, found " + corruption);
      }
      ObjectNode c = tree.putObject("corruption");
      c.put("type", parts[0]);
      try {
        c.put("amount", Double.parseDouble(parts[1]));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--corruption amount must be a number, found " + parts[1], e);
      }
    }
    ObjectNode training = tree.has("training") ? (ObjectNode) tree.get("training") : JSON.createObjectNode();
    if (epochs != null) {
      training.put("epochs", epochs);
    }
    if (batchSize != null) {
      training.put("batchSize", batchSize);
    }
    if (learningRate != null) {
      training.put("learningRate", learningRate);
    }
    putIfSet(training, "optimizer", optimizer);
    if (seed != null) {
      training.put("seed", seed);
    }
    if (patience != null) {
      training.put("patience", patience);
    }
    if (validationSplit != null) {
      training.put("validationSplit", validationSplit);
    }
    if (!training.isEmpty()) {
      tree.set("training", training);
    }
    return SpecJson.parse(tree.toString());
  }

  private static void putIfSet(ObjectNode node, String field, String value) {
    if (value != null) {
      node.put(field, value);
    }
  }
}
