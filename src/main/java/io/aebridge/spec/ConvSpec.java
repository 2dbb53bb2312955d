package io.aebridge.spec;

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
 */
public record ConvSpec(List<Integer> filters, int kernelSize, int poolSize, DecoderMode decoder) {
  public static final int KERNEL_SIZE_DEFAULT = 3;
  public static final int POOL_SIZE_DEFAULT = 2;

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
