package io.aebridge.graph;

import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.DecoderMode;
import io.aebridge.spec.ModelKind;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The forward ops of one autoencoder in one graph: input → code → reconstruction, plus a second decoder path from a
 * fed code (the {@code decode} signature) that shares the decoder's weights.
 *
 * <p>Shapes (N = batch, dynamic): dense kinds take {@code input} as {@code [N, height·width·channels]}, the
 * convolutional kind as {@code [N, height, width, channels]}; {@code code} is {@code [N, codeSize]} or
 * {@code [N, h, w, codeSize]}; {@code reconstruction} and {@code logits} have the input's shape. The ops belong to
 * the graph of the {@link Ops} given to {@link #build}; this object owns no native handle.
 *
 * @param input the samples, op {@value Endpoints#INPUT_OP}: a placeholder, or in the trainer's graph a placeholder
 *     with a default (the batch gathered in the graph), which a feed overrides
 * @param codePreActivation the dense code layer before its activation (for the closed-form contractive penalty);
 *     the code itself for the convolutional kind
 * @param code the code, op {@value Endpoints#CODE_OP}
 * @param logits the reconstruction before the output activation (BCE is computed from these); for a residual
 *     convolutional spec, the input's base plus the decoder's correction ({@link ConvSpec#residual()})
 * @param reconstruction the reconstruction, op {@value Endpoints#RECONSTRUCTION_OP}
 * @param codeInput a fed code, op {@value Endpoints#CODE_INPUT_OP}
 * @param decoded the decoder's output for {@code codeInput}, op {@value Endpoints#DECODED_OP}
 * @param codeKernel the input→code weight matrix when the encoder is a single dense layer, for the Jacobian
 * @param inputShape the input's static shape with a dynamic batch dimension
 * @param codeShape the code's static shape with a dynamic batch dimension
 */
public record AutoencoderGraph(
    Operand<TFloat32> input,
    Operand<TFloat32> codePreActivation,
    Operand<TFloat32> code,
    Operand<TFloat32> logits,
    Operand<TFloat32> reconstruction,
    Placeholder<TFloat32> codeInput,
    Operand<TFloat32> decoded,
    Optional<Variable<TFloat32>> codeKernel,
    Shape inputShape,
    Shape codeShape) {

  /** The static input shape of {@code spec}'s signatures, batch dimension unknown (-1). */
  public static Shape inputShapeOf(AutoencoderSpec spec) {
    return spec.kind() == ModelKind.CONVOLUTIONAL
        ? Shape.of(Shape.UNKNOWN_SIZE, spec.height(), spec.width(), spec.channels())
        : Shape.of(Shape.UNKNOWN_SIZE, spec.inputSize());
  }

  /** The static code shape of {@code spec}'s signatures, batch dimension unknown (-1). */
  public static Shape codeShapeOf(AutoencoderSpec spec) {
    long[] dims = new long[spec.codeShape().size() + 1];
    dims[0] = Shape.UNKNOWN_SIZE;
    for (int i = 0; i < spec.codeShape().size(); i++) {
      dims[i + 1] = spec.codeShape().get(i);
    }
    return Shape.of(dims);
  }

  /**
   * Adds the forward ops of {@code spec} to the graph behind {@code tf}.
   *
   * @param tf ops of the target graph (the graph must not be running)
   * @param spec a validated spec
   * @param params where the variables come from: fresh for training, assignable for export
   */
  public static AutoencoderGraph build(Ops tf, AutoencoderSpec spec, ParameterFactory params) {
    return build(tf, spec, params, null);
  }

  /**
   * Adds the forward ops of {@code spec} with an input that reads {@code defaultInput} unless a batch is fed: the
   * trainer gathers its batches inside the graph from the training set, so a step feeds a few indices instead of
   * a batch of samples, while evaluation still feeds {@link #input()}.
   *
   * @param defaultInput {@code [N, …]} samples shaped like the input, or {@code null} for a plain placeholder
   */
  public static AutoencoderGraph build(Ops tf, AutoencoderSpec spec, ParameterFactory params,
      Operand<TFloat32> defaultInput) {
    Shape inputShape = inputShapeOf(spec);
    Shape codeShape = codeShapeOf(spec);
    Operand<TFloat32> input = defaultInput == null
        ? tf.withName(Endpoints.INPUT_OP).placeholder(TFloat32.class, Placeholder.shape(inputShape))
        : tf.withName(Endpoints.INPUT_OP).placeholderWithDefault(defaultInput, inputShape);
    Placeholder<TFloat32> codeInput =
        tf.withName(Endpoints.CODE_INPUT_OP).placeholder(TFloat32.class, Placeholder.shape(codeShape));
    return spec.kind() == ModelKind.CONVOLUTIONAL
        ? buildConvolutional(tf, spec, params, input, codeInput, inputShape, codeShape)
        : buildDense(tf, spec, params, input, codeInput, inputShape, codeShape);
  }

  private static AutoencoderGraph buildDense(Ops tf, AutoencoderSpec spec, ParameterFactory params,
      Operand<TFloat32> input, Placeholder<TFloat32> codeInput, Shape inputShape, Shape codeShape) {
    Operand<TFloat32> h = input;
    long width = spec.inputSize();
    for (int i = 0; i < spec.encoderLayers().size(); i++) {
      int units = spec.encoderLayers().get(i);
      h = Layers.Dense.create(tf, params, "encoder_dense" + i, width, units, spec.encoderActivation(i)).apply(tf, h);
      width = units;
    }
    Layers.Dense codeLayer =
        Layers.Dense.create(tf, params, "encoder_code", width, spec.codeSize(), spec.codeActivation());
    Operand<TFloat32> pre = codeLayer.preActivation(tf, h);
    Operand<TFloat32> code = Layers.activate(tf, pre, spec.codeActivation());

    List<Layers.Dense> decoder = new ArrayList<>();
    width = spec.codeSize();
    List<Integer> decoderLayers = spec.resolvedDecoderLayers();
    for (int i = 0; i < decoderLayers.size(); i++) {
      decoder.add(Layers.Dense.create(tf, params, "decoder_dense" + i, width, decoderLayers.get(i),
          spec.decoderActivation(i)));
      width = decoderLayers.get(i);
    }
    Layers.Dense output =
        Layers.Dense.create(tf, params, "decoder_output", width, spec.inputSize(), Activation.LINEAR);
    UnaryOperator<Operand<TFloat32>> decodeLogits = z -> {
      Operand<TFloat32> y = z;
      for (Layers.Dense layer : decoder) {
        y = layer.apply(tf, y);
      }
      return output.preActivation(tf, y);
    };
    Optional<Variable<TFloat32>> codeKernel =
        spec.encoderLayers().isEmpty() ? Optional.of(codeLayer.kernel()) : Optional.empty();
    return finish(tf, spec, input, pre, code, decodeLogits, Optional.empty(), codeInput, codeKernel, inputShape,
        codeShape);
  }

  private static AutoencoderGraph buildConvolutional(Ops tf, AutoencoderSpec spec, ParameterFactory params,
      Operand<TFloat32> input, Placeholder<TFloat32> codeInput, Shape inputShape, Shape codeShape) {
    ConvSpec conv = spec.conv();
    List<Integer> filters = conv.filters();
    int stages = filters.size();
    Operand<TFloat32> h = input;
    Operand<TFloat32> pre = null;
    long channels = spec.channels();
    for (int i = 0; i < stages; i++) {
      boolean last = i == stages - 1;
      Activation activation = last ? spec.codeActivation() : spec.activation();
      Layers.Conv layer = Layers.Conv.create(tf, params, "encoder_conv" + i, conv.kernelSize(), channels,
          filters.get(i), activation);
      // The activation after the pooling: every activation here is non-decreasing, so max-pooling commutes with it
      // (same values; the gradient reaches the same window maximum, scaled by the same slope), and it then runs
      // on pool² times fewer values. Profiled on the tutorial's conv model, Relu and ReluGrad on the full-size
      // maps took 12–17% of a training step (bench/results/profile-2026-12-02-before.txt).
      h = nonDecreasing(activation)
          ? Layers.activate(tf, Layers.maxPool(tf, layer.preActivation(tf, h), conv.poolSize()), activation)
          : Layers.maxPool(tf, layer.apply(tf, h), conv.poolSize());
      channels = filters.get(i);
    }
    // The code is the last pooled map. No penalty needs a separate pre-activation for this kind (the contractive
    // kind is dense), so the record's codePreActivation is the code itself.
    pre = h;
    Operand<TFloat32> code = h;

    int[] heights = new int[stages + 1];
    int[] widths = new int[stages + 1];
    for (int s = 0; s <= stages; s++) {
      heights[s] = conv.pooledSize(spec.height(), s);
      widths[s] = conv.pooledSize(spec.width(), s);
    }
    List<UnaryOperator<Operand<TFloat32>>> decoderStages = new ArrayList<>();
    int height = heights[stages];
    int width = widths[stages];
    channels = spec.codeSize();
    for (int i = stages - 1; i >= 0; i--) {
      int outH = height * conv.poolSize();
      int outW = width * conv.poolSize();
      String scope = "decoder_stage" + (stages - 1 - i);
      if (conv.decoder() == DecoderMode.UPSAMPLE) {
        Layers.Conv layer =
            Layers.Conv.create(tf, params, scope, conv.kernelSize(), channels, filters.get(i), spec.activation());
        int pool = conv.poolSize();
        int top = (outH - spec.height()) / 2;
        int left = (outW - spec.width()) / 2;
        if (i == 0 && (outH != spec.height() || outW != spec.width()) && top % pool == 0 && left % pool == 0
            && spec.height() % pool == 0 && spec.width() % pool == 0) {
          // The centre crop after the last upsampling keeps whole pool×pool blocks, so it equals cropping the
          // smaller map before upsampling it (nearest neighbour): same values and gradients, but the upsampling
          // and the crop's gradient (a Pad) touch pool² times fewer values. The tutorial model: 16×16 → 14×14 →
          // 28×28 instead of 16×16 → 32×32 → 28×28.
          decoderStages.add(z -> Layers.upsample(tf, Layers.crop(tf, layer.apply(tf, z), top / pool, left / pool,
              spec.height() / pool, spec.width() / pool), spec.height(), spec.width()));
          outH = spec.height();
          outW = spec.width();
        } else {
          int upH = outH;
          int upW = outW;
          decoderStages.add(z -> Layers.upsample(tf, layer.apply(tf, z), upH, upW));
        }
      } else {
        Layers.ConvTranspose layer = Layers.ConvTranspose.create(tf, params, scope, conv.kernelSize(),
            conv.poolSize(), channels, filters.get(i), outH, outW, spec.activation());
        decoderStages.add(z -> layer.apply(tf, z));
      }
      height = outH;
      width = outW;
      channels = filters.get(i);
    }
    int grownHeight = height;
    int grownWidth = width;
    Layers.Conv output = Layers.Conv.create(tf, params, "decoder_output", conv.kernelSize(), channels,
        spec.channels(), Activation.LINEAR);
    UnaryOperator<Operand<TFloat32>> decodeLogits = z -> {
      Operand<TFloat32> y = z;
      for (UnaryOperator<Operand<TFloat32>> stage : decoderStages) {
        y = stage.apply(y);
      }
      if (grownHeight != spec.height() || grownWidth != spec.width()) {
        y = Layers.centreCrop(tf, y, grownHeight, grownWidth, spec.height(), spec.width());
      }
      return output.apply(tf, y);
    };
    // A residual decoder predicts a correction in the output activation's input space; the input enters through
    // the activation's inverse, so a zero correction reproduces it (ConvSpec#residual).
    Optional<Operand<TFloat32>> base = conv.residual()
        ? Optional.of(residualBase(tf, input, spec.outputActivation())) : Optional.empty();
    return finish(tf, spec, input, pre, code, decodeLogits, base, codeInput, Optional.empty(), inputShape,
        codeShape);
  }

  /** {@code logit(clip(x, ε, 1 − ε))} for a sigmoid output, {@code x} for a linear one. */
  private static Operand<TFloat32> residualBase(Ops tf, Operand<TFloat32> x, Activation outputActivation) {
    if (outputActivation == Activation.LINEAR) {
      return x;
    }
    if (outputActivation != Activation.SIGMOID) {
      throw new IllegalArgumentException("a residual decoder needs a sigmoid or linear output, found "
          + outputActivation.jsonName());
    }
    Operand<TFloat32> clipped = tf.clipByValue(x, tf.constant(ConvSpec.RESIDUAL_EPSILON),
        tf.constant(1f - ConvSpec.RESIDUAL_EPSILON));
    return tf.math.log(tf.math.div(clipped, tf.math.sub(tf.constant(1f), clipped)));
  }

  /**
   * Whether {@code activation} never decreases, so that max-pooling and it commute. Exhaustive on purpose: a new
   * activation must be placed here (a non-monotonic one, e.g. GELU or swish, is false).
   */
  static boolean nonDecreasing(Activation activation) {
    return switch (activation) {
      case RELU, SIGMOID, TANH, ELU, LEAKY_RELU, LINEAR -> true;
    };
  }

  private static AutoencoderGraph finish(Ops tf, AutoencoderSpec spec, Operand<TFloat32> input,
      Operand<TFloat32> pre, Operand<TFloat32> code, UnaryOperator<Operand<TFloat32>> decodeLogits,
      Optional<Operand<TFloat32>> residualBase, Placeholder<TFloat32> codeInput,
      Optional<Variable<TFloat32>> codeKernel, Shape inputShape, Shape codeShape) {
    Operand<TFloat32> namedCode = tf.withName(Endpoints.CODE_OP).identity(code);
    Operand<TFloat32> decoderLogits = decodeLogits.apply(namedCode);
    Operand<TFloat32> logits = residualBase.map(b -> (Operand<TFloat32>) tf.math.add(b, decoderLogits))
        .orElse(decoderLogits);
    Operand<TFloat32> reconstruction = tf.withName(Endpoints.RECONSTRUCTION_OP)
        .identity(Layers.activate(tf, logits, spec.outputActivation()));
    Operand<TFloat32> decoded = tf.withName(Endpoints.DECODED_OP)
        .identity(Layers.activate(tf, decodeLogits.apply(codeInput), spec.outputActivation()));
    return new AutoencoderGraph(input, pre, namedCode, logits, reconstruction, codeInput, decoded, codeKernel,
        inputShape, codeShape);
  }
}
