package io.aebridge.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A convolutional encoder of {@code filters.size()} stages, each a same-padded {@code kernelSize²} convolution with
 * the hidden activation followed by {@code poolSize²} max pooling (same padding, so odd sizes round up); the code
 * is the last stage's output, {@code ⌈H/pool^n⌉ × ⌈W/pool^n⌉ × filters[n-1]}. The decoder mirrors it and crops any
 * excess back to the input size before the output convolution.
 *
 * @param filters filters per encoder stage, e.g. the tutorial's {@code [16, 8, 8]}
 * @param kernelSize convolution kernel side
 * @param poolSize pooling window and stride
 * @param decoder how the decoder grows the code back
 * @param residual whether the decoder predicts a correction of the input instead of the whole image: the
 *     reconstruction is {@code outputActivation(base(input) + decoderOutput)}, {@code base} the output activation's
 *     inverse ({@code logit} of the input clipped to [{@value #RESIDUAL_EPSILON}, 1 − {@value #RESIDUAL_EPSILON}] for
 *     {@code sigmoid}, the input itself for {@code linear}), so a decoder output of 0 returns the input unchanged.
 *     For image-to-image tasks where most pixels are already right (watermark removal). The {@code decode}
 *     signature has no input to correct: it returns {@code outputActivation(decoderOutput)}, the correction alone.
 *     Omitted from JSON when false.
 */
public record ConvSpec(List<Integer> filters, int kernelSize, int poolSize, DecoderMode decoder,
    @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean residual) {
  public static final int KERNEL_SIZE_DEFAULT = 3;
  public static final int POOL_SIZE_DEFAULT = 2;
  /** How far a residual model's sigmoid base keeps inputs from 0 and 1, where the logit is infinite. */
  public static final float RESIDUAL_EPSILON = 1e-3f;

  public ConvSpec {
    filters = Checks.positiveSizes("conv.filters", filters);
    if (filters.isEmpty()) {
      throw new SpecException("conv.filters", "[]", "must list at least one encoder stage");
    }
    Checks.positive("conv.kernelSize", kernelSize);
    if (poolSize < 1) {
      throw new SpecException("conv.poolSize", poolSize, "must be ≥ 1");
    }
    Checks.required("conv.decoder", decoder);
  }

  /** A plain (non-residual) layout: the decoder re-creates the whole image from the code. */
  public ConvSpec(List<Integer> filters, int kernelSize, int poolSize, DecoderMode decoder) {
    this(filters, kernelSize, poolSize, decoder, false);
  }

  /** This layout with the decoder predicting a correction of the input (see {@link #residual()}). */
  public ConvSpec withResidual(boolean value) {
    return new ConvSpec(filters, kernelSize, poolSize, decoder, value);
  }

  /** The Keras tutorial's encoder: 16, 8, 8 filters, 3×3 kernels, 2×2 pooling, upsampling decoder. */
  public static ConvSpec tutorial() {
    return new ConvSpec(List.of(16, 8, 8), KERNEL_SIZE_DEFAULT, POOL_SIZE_DEFAULT, DecoderMode.UPSAMPLE);
  }

  /** Spatial size after {@code stages} same-padded poolings of a side of {@code size}. */
  public int pooledSize(int size, int stages) {
    int s = size;
    for (int i = 0; i < stages; i++) {
      s = (s + poolSize - 1) / poolSize;
    }
    return s;
  }
}
