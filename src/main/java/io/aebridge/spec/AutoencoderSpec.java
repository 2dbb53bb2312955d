package io.aebridge.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A complete, validated autoencoder description: the tutorial's four hyperparameters (code size, number of layers,
 * nodes per layer, loss) plus the kind-specific parts. Immutable; every rule is checked here, before any graph is
 * built, and a broken rule throws {@link SpecException} naming the field, the value and the rule.
 *
 * <p>Dense kinds see each sample flattened to {@code height·width·channels} values; the convolutional kind sees
 * {@code height × width × channels}.
 *
 * @param name model name, used as the folder under {@code saved-models/}; {@code [A-Za-z0-9._-]+}
 * @param kind the family
 * @param inputShape {@code [height, width, channels]} of one sample
 * @param codeSize units of the code layer (dense kinds) or channels of the code map (convolutional)
 * @param encoderLayers units of the dense hidden layers between input and code, outermost first (empty for the
 *     tutorial's one-layer autoencoder; {@code [128, 64]} for its deep one)
 * @param decoderLayers units of the decoder's hidden layers, innermost first; {@code null} mirrors the encoder
 * @param encoderActivations activation per encoder hidden layer (the decoder mirrors them); {@code null} uses
 *     {@code activation} for all
 * @param activation activation of hidden layers (dense) or convolutions (convolutional)
 * @param codeActivation activation of the code layer
 * @param outputActivation activation of the reconstruction ({@code sigmoid} for inputs in [0,1])
 * @param loss reconstruction loss
 * @param sparsity activity penalties, required for {@link ModelKind#SPARSE}, not allowed elsewhere
 * @param contractive the Jacobian penalty, required for {@link ModelKind#CONTRACTIVE}, not allowed elsewhere
 * @param conv the convolutional layout, required for {@link ModelKind#CONVOLUTIONAL}, not allowed elsewhere
 * @param corruption denoising corruption for any kind, or {@code null}
 * @param training how to train
 */
public record AutoencoderSpec(
    String name,
    ModelKind kind,
    List<Integer> inputShape,
    int codeSize,
    List<Integer> encoderLayers,
    List<Integer> decoderLayers,
    List<Activation> encoderActivations,
    Activation activation,
    Activation codeActivation,
    Activation outputActivation,
    LossKind loss,
    SparsitySpec sparsity,
    ContractiveSpec contractive,
    ConvSpec conv,
    CorruptionSpec corruption,
    TrainingSpec training) {

  /** Model names double as folder names and URL segments. */
  public static final Pattern NAME_PATTERN = Pattern.compile("[A-Za-z0-9._-]{1,100}");
  /** The tutorial's demo: 784 → 32 → 784, Adam, BCE. */
  public static final String DEFAULT_NAME = "dense-784-32";

  public AutoencoderSpec {
    Checks.required("name", name);
    if (!NAME_PATTERN.matcher(name).matches() || name.startsWith(".")) {
      throw new SpecException("name", name, "must be 1–100 characters of [A-Za-z0-9._-], not starting with '.'");
    }
    Checks.required("kind", kind);
    inputShape = checkInputShape(inputShape);
    encoderLayers = Checks.positiveSizes("encoderLayers", encoderLayers);
    decoderLayers = decoderLayers == null ? null : Checks.positiveSizes("decoderLayers", decoderLayers);
    Checks.required("activation", activation);
    Checks.required("codeActivation", codeActivation);
    Checks.required("outputActivation", outputActivation);
    Checks.required("loss", loss);
    Checks.required("training", training);
    if (encoderActivations != null) {
      if (encoderActivations.size() != encoderLayers.size()) {
        throw new SpecException("encoderActivations", encoderActivations,
            "must give one activation per encoder layer (" + encoderLayers.size() + ")");
      }
      for (int i = 0; i < encoderActivations.size(); i++) {
        Checks.required("encoderActivations[" + i + "]", encoderActivations.get(i));
      }
      encoderActivations = List.copyOf(encoderActivations);
    }
    if (loss == LossKind.BCE && outputActivation != Activation.SIGMOID) {
      throw new SpecException("outputActivation", outputActivation.jsonName(),
          "must be sigmoid when loss is bce (the cross-entropy is computed from the sigmoid's logits)");
    }
    checkKindParts(kind, sparsity, contractive, conv);
    if (kind == ModelKind.CONVOLUTIONAL) {
      checkConv(conv, inputShape, codeSize, encoderLayers, decoderLayers);
      if (conv.residual() && outputActivation != Activation.SIGMOID && outputActivation != Activation.LINEAR) {
        throw new SpecException("outputActivation", outputActivation.jsonName(),
            "must be sigmoid or linear when conv.residual is true (the input enters through the activation's inverse)");
      }
    } else {
      Checks.positive("codeSize", codeSize);
    }
    if (sparsity != null && sparsity.hasKl() && codeActivation != Activation.SIGMOID) {
      throw new SpecException("codeActivation", codeActivation.jsonName(),
          "must be sigmoid for KL sparsity (the mean activation ρ̂ must lie in (0,1))");
    }
    if (kind == ModelKind.CONTRACTIVE) {
      if (!encoderLayers.isEmpty()) {
        throw new SpecException("encoderLayers", encoderLayers,
            "must be empty for a contractive autoencoder (the closed-form Jacobian covers a one-layer encoder)");
      }
      if (codeActivation != Activation.SIGMOID && codeActivation != Activation.RELU) {
        throw new SpecException("codeActivation", codeActivation.jsonName(),
            "must be sigmoid or relu for the closed-form contractive penalty");
      }
    }
  }

  private static List<Integer> checkInputShape(List<Integer> shape) {
    Checks.required("inputShape", shape);
    if (shape.size() != 3) {
      throw new SpecException("inputShape", shape, "must be [height, width, channels]");
    }
    return Checks.positiveSizes("inputShape", shape);
  }

  private static void checkKindParts(ModelKind kind, SparsitySpec sparsity, ContractiveSpec contractive, ConvSpec conv) {
    requiredOnlyFor(kind, ModelKind.SPARSE, "sparsity", sparsity);
    requiredOnlyFor(kind, ModelKind.CONTRACTIVE, "contractive", contractive);
    requiredOnlyFor(kind, ModelKind.CONVOLUTIONAL, "conv", conv);
  }

  private static void requiredOnlyFor(ModelKind kind, ModelKind owner, String field, Object part) {
    if (kind == owner && part == null) {
      throw new SpecException(field, null, "is required when kind is " + owner.jsonName());
    }
    if (kind != owner && part != null) {
      throw new SpecException(field, "{…}", "is only allowed when kind is " + owner.jsonName()
          + " (kind is " + kind.jsonName() + ")");
    }
  }

  private static void checkConv(ConvSpec conv, List<Integer> inputShape, int codeSize, List<Integer> encoderLayers,
      List<Integer> decoderLayers) {
    if (!encoderLayers.isEmpty() || decoderLayers != null) {
      throw new SpecException("encoderLayers", encoderLayers,
          "must be empty for a convolutional autoencoder (use conv.filters)");
    }
    int height = inputShape.get(0);
    int width = inputShape.get(1);
    if (conv.kernelSize() > Math.min(height, width)) {
      throw new SpecException("conv.kernelSize", conv.kernelSize(),
          "must not exceed the input's smaller side " + Math.min(height, width));
    }
    int stages = conv.filters().size();
    for (int stage = 1; stage < stages; stage++) {
      int side = Math.min(conv.pooledSize(height, stage), conv.pooledSize(width, stage));
      if (conv.kernelSize() > side) {
        throw new SpecException("conv.filters", conv.filters(),
            "has too many stages: after " + stage + " pooling(s) the map is " + side + " wide, smaller than the "
                + conv.kernelSize() + "×" + conv.kernelSize() + " kernel");
      }
    }
    int last = conv.filters().get(stages - 1);
    if (codeSize != last) {
      throw new SpecException("codeSize", codeSize,
          "must equal the last conv.filters entry " + last + " (the code map's channels)");
    }
  }

  /** Values in one sample: {@code height·width·channels}. */
  public int inputSize() {
    return inputShape.get(0) * inputShape.get(1) * inputShape.get(2);
  }

  public int height() {
    return inputShape.get(0);
  }

  public int width() {
    return inputShape.get(1);
  }

  public int channels() {
    return inputShape.get(2);
  }

  /** The decoder's hidden layer sizes, innermost (next to the code) first. */
  public List<Integer> resolvedDecoderLayers() {
    if (decoderLayers != null) {
      return decoderLayers;
    }
    List<Integer> mirrored = new ArrayList<>(encoderLayers);
    Collections.reverse(mirrored);
    return List.copyOf(mirrored);
  }

  /** Activation of encoder hidden layer {@code i} (outermost = 0). */
  public Activation encoderActivation(int i) {
    return encoderActivations == null ? activation : encoderActivations.get(i);
  }

  /** Activation of decoder hidden layer {@code i} (innermost = 0): mirrors the encoder where the sizes mirror. */
  public Activation decoderActivation(int i) {
    if (encoderActivations == null || decoderLayers != null) {
      return activation;
    }
    return encoderActivations.get(encoderActivations.size() - 1 - i);
  }

  /** The code's shape without the batch dimension: {@code [codeSize]}, or {@code [h, w, codeSize]} for conv. */
  public List<Integer> codeShape() {
    if (kind != ModelKind.CONVOLUTIONAL) {
      return List.of(codeSize);
    }
    int stages = conv.filters().size();
    return List.of(conv.pooledSize(height(), stages), conv.pooledSize(width(), stages), codeSize);
  }

  /**
   * The loss to train with once the data is known.
   *
   * @param dataInUnitInterval whether every training input and target lies in [0,1]
   */
  public LossKind resolvedLoss(boolean dataInUnitInterval) {
    if (loss != LossKind.AUTO) {
      return loss;
    }
    return dataInUnitInterval && outputActivation == Activation.SIGMOID ? LossKind.BCE : LossKind.MSE;
  }

  public boolean denoising() {
    return corruption != null;
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** The tutorial's default model: 784 → Dense(32, relu) → Dense(784, sigmoid), BCE, Adam, 50 epochs, batch 256. */
  public static AutoencoderSpec tutorialDefault() {
    return builder(DEFAULT_NAME).build();
  }

  /**
   * Fluent construction with the tutorial's defaults: MNIST-shaped input, dense, code 32, relu hidden and code,
   * sigmoid output, loss auto, Adam. {@link #build()} validates.
   */
  public static final class Builder {
    private String name;
    private ModelKind kind = ModelKind.DENSE;
    private List<Integer> inputShape = List.of(28, 28, 1);
    private int codeSize = 32;
    private List<Integer> encoderLayers = List.of();
    private List<Integer> decoderLayers;
    private List<Activation> encoderActivations;
    private Activation activation = Activation.RELU;
    private Activation codeActivation = Activation.RELU;
    private Activation outputActivation = Activation.SIGMOID;
    private LossKind loss = LossKind.AUTO;
    private SparsitySpec sparsity;
    private ContractiveSpec contractive;
    private ConvSpec conv;
    private CorruptionSpec corruption;
    private TrainingSpec training = TrainingSpec.defaults();

    private Builder(String name) {
      this.name = name;
    }

    private Builder(AutoencoderSpec s) {
      name = s.name;
      kind = s.kind;
      inputShape = s.inputShape;
      codeSize = s.codeSize;
      encoderLayers = s.encoderLayers;
      decoderLayers = s.decoderLayers;
      encoderActivations = s.encoderActivations;
      activation = s.activation;
      codeActivation = s.codeActivation;
      outputActivation = s.outputActivation;
      loss = s.loss;
      sparsity = s.sparsity;
      contractive = s.contractive;
      conv = s.conv;
      corruption = s.corruption;
      training = s.training;
    }

    public Builder name(String value) { name = value; return this; }
    public Builder kind(ModelKind value) { kind = value; return this; }
    public Builder inputShape(int height, int width, int channels) { inputShape = List.of(height, width, channels); return this; }
    public Builder codeSize(int value) { codeSize = value; return this; }
    public Builder encoderLayers(Integer... units) { encoderLayers = List.of(units); return this; }
    public Builder decoderLayers(Integer... units) { decoderLayers = List.of(units); return this; }
    public Builder encoderActivations(Activation... values) { encoderActivations = List.of(values); return this; }
    public Builder activation(Activation value) { activation = value; return this; }
    public Builder codeActivation(Activation value) { codeActivation = value; return this; }
    public Builder outputActivation(Activation value) { outputActivation = value; return this; }
    public Builder loss(LossKind value) { loss = value; return this; }
    public Builder corruption(CorruptionSpec value) { corruption = value; return this; }
    public Builder training(TrainingSpec value) { training = value; return this; }

    /** {@code layers} hidden layers of {@code nodesPerLayer} units each: the tutorial's 2nd and 3rd hyperparameters. */
    public Builder layers(int layers, int nodesPerLayer) {
      if (layers < 0) {
        throw new SpecException("layers", layers, "must be ≥ 0");
      }
      encoderLayers = Collections.nCopies(layers, Checks.positive("nodesPerLayer", nodesPerLayer));
      return this;
    }

    public Builder sparse(SparsitySpec value) {
      kind = ModelKind.SPARSE;
      sparsity = value;
      return this;
    }

    public Builder contractive(ContractiveSpec value) {
      kind = ModelKind.CONTRACTIVE;
      contractive = value;
      return this;
    }

    /** Convolutional; the code size becomes the last stage's filter count. */
    public Builder convolutional(ConvSpec value) {
      kind = ModelKind.CONVOLUTIONAL;
      conv = value;
      codeSize = value.filters().get(value.filters().size() - 1);
      return this;
    }

    public AutoencoderSpec build() {
      return new AutoencoderSpec(name, kind, inputShape, codeSize, encoderLayers, decoderLayers, encoderActivations,
          activation, codeActivation, outputActivation, loss, sparsity, contractive, conv, corruption, training);
    }
  }
}
