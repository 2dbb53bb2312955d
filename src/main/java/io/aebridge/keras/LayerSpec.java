package io.aebridge.keras;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Arrays;
import java.util.List;

/**
 * One Keras layer's configuration, as far as inference needs it: one immutable record per supported class, filled
 * by Jackson from the layer's {@code config} object (Keras 3 and tf.keras spell the fields the same way) and
 * validated on construction. Options that would change the numbers but are not supported are refused here, before
 * any graph exists.
 */
sealed interface LayerSpec {
  /** The layer's name in the model. */
  String name();

  /** The Keras class name, e.g. {@code Conv2D}. */
  String className();

  /** How many weight arrays the file holds for this layer, in Keras' order. */
  default int weightCount() {
    return 0;
  }

  /** The supported Keras layer classes, in the order the docs list them. */
  List<String> SUPPORTED = List.of("InputLayer", "Dense", "Conv2D", "Conv2DTranspose", "MaxPooling2D",
      "AveragePooling2D", "UpSampling2D", "ZeroPadding2D", "Cropping2D", "Flatten", "Reshape", "Dropout",
      "GaussianNoise", "ActivityRegularization", "Activation", "LeakyReLU", "BatchNormalization", "Add",
      "Concatenate", "Functional/Sequential (nested models)");

  /** Layers that are the identity at inference (noise, dropout, penalties). */
  List<String> INFERENCE_NO_OPS = List.of("Dropout", "GaussianNoise", "ActivityRegularization");

  ObjectMapper MAPPER = new ObjectMapper()
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
      .configure(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY, true)
      .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true);

  /** {@code [batch, …]} → the per-sample shape of an InputLayer. */
  record Input(String name, long[] shape) implements LayerSpec {
    public Input {
      for (long d : shape) {
        if (d <= 0) {
          throw new IllegalArgumentException("input shape must be fully known apart from the batch, found "
              + Arrays.toString(shape) + " (a dimension of " + d + ")");
        }
      }
    }

    @Override
    public String className() {
      return "InputLayer";
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Dense(String name, int units, @JsonProperty("activation") JsonNode activationConfig,
      @JsonProperty("use_bias") Boolean useBias, @JsonProperty("lora_rank") Integer loraRank,
      @JsonProperty("quantization_config") JsonNode quantization,
      @JsonProperty("activity_regularizer") JsonNode activityRegularizer,
      @JsonProperty("kernel_regularizer") JsonNode kernelRegularizer,
      @JsonProperty("bias_regularizer") JsonNode biasRegularizer) implements LayerSpec {
    public Dense {
      Checks.positive("units", units);
      Checks.activation(activationConfig);
      if (loraRank != null && loraRank > 0) {
        throw new IllegalArgumentException("LoRA-enabled Dense layers (lora_rank " + loraRank + ") are not supported");
      }
      if (quantization != null && !quantization.isNull()) {
        throw new IllegalArgumentException("quantized Dense layers are not supported");
      }
      useBias = useBias == null || useBias;
    }

    KerasActivation activation() {
      return Checks.activation(activationConfig);
    }

    @Override
    public String className() {
      return "Dense";
    }

    @Override
    public int weightCount() {
      return useBias ? 2 : 1;
    }
  }

  /** Conv2D and Conv2DTranspose. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Conv(String name, @JsonProperty("class") String className, int filters,
      @JsonProperty("kernel_size") int[] kernelSize, int[] strides, String padding,
      @JsonProperty("dilation_rate") int[] dilationRate, Integer groups,
      @JsonProperty("output_padding") int[] outputPadding, @JsonProperty("activation") JsonNode activationConfig,
      @JsonProperty("use_bias") Boolean useBias,
      @JsonProperty("activity_regularizer") JsonNode activityRegularizer,
      @JsonProperty("kernel_regularizer") JsonNode kernelRegularizer,
      @JsonProperty("bias_regularizer") JsonNode biasRegularizer) implements LayerSpec {
    public Conv {
      Checks.positive("filters", filters);
      Checks.activation(activationConfig);
      kernelSize = Checks.pair("kernel_size", kernelSize, null);
      strides = Checks.pair("strides", strides, new int[] {1, 1});
      dilationRate = Checks.pair("dilation_rate", dilationRate, new int[] {1, 1});
      padding = Checks.padding(padding);
      if (groups != null && groups != 1) {
        throw new IllegalArgumentException("grouped convolutions (groups " + groups + ") are not supported");
      }
      if (transposed(className) && (dilationRate[0] != 1 || dilationRate[1] != 1)) {
        throw new IllegalArgumentException("dilated transposed convolutions (dilation_rate "
            + Arrays.toString(dilationRate) + ") are not supported");
      }
      if (!transposed(className) && (dilationRate[0] != 1 || dilationRate[1] != 1)
          && (strides[0] != 1 || strides[1] != 1)) {
        throw new IllegalArgumentException("dilation_rate " + Arrays.toString(dilationRate) + " with strides "
            + Arrays.toString(strides) + " (Keras allows only one of them above 1)");
      }
      if (outputPadding != null) {
        outputPadding = Checks.pair("output_padding", outputPadding, null);
      }
      useBias = useBias == null || useBias;
    }

    private static boolean transposed(String className) {
      return "Conv2DTranspose".equals(className);
    }

    boolean transposed() {
      return transposed(className);
    }

    KerasActivation activation() {
      return Checks.activation(activationConfig);
    }

    @Override
    public int weightCount() {
      return useBias ? 2 : 1;
    }
  }

  /** MaxPooling2D and AveragePooling2D. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  record Pool(String name, @JsonProperty("class") String className, @JsonProperty("pool_size") int[] poolSize,
      int[] strides, String padding) implements LayerSpec {
    public Pool {
      poolSize = Checks.pair("pool_size", poolSize, new int[] {2, 2});
      strides = Checks.pair("strides", strides, poolSize);
      padding = Checks.padding(padding);
    }

    boolean max() {
      return "MaxPooling2D".equals(className);
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record UpSampling(String name, int[] size, String interpolation) implements LayerSpec {
    public UpSampling {
      size = Checks.pair("size", size, new int[] {2, 2});
      interpolation = interpolation == null ? "nearest" : interpolation;
      if (!interpolation.equals("nearest") && !interpolation.equals("bilinear")) {
        throw new IllegalArgumentException("interpolation '" + interpolation
            + "' is not supported (supported: nearest, bilinear)");
      }
    }

    @Override
    public String className() {
      return "UpSampling2D";
    }
  }

  /** ZeroPadding2D ({@code padding}) and Cropping2D ({@code cropping}): {@code [[top, bottom], [left, right]]}. */
  record Margins(String name, String className, int top, int bottom, int left, int right) implements LayerSpec {
    public Margins {
      for (int m : new int[] {top, bottom, left, right}) {
        if (m < 0) {
          throw new IllegalArgumentException("margins must be ≥ 0, found " + m);
        }
      }
    }

    boolean padding() {
      return "ZeroPadding2D".equals(className);
    }
  }

  record Flatten(String name) implements LayerSpec {
    @Override
    public String className() {
      return "Flatten";
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record Reshape(String name, @JsonProperty("target_shape") long[] targetShape) implements LayerSpec {
    public Reshape {
      if (targetShape == null || targetShape.length == 0) {
        throw new IllegalArgumentException("target_shape is missing");
      }
      int unknown = 0;
      for (long d : targetShape) {
        if (d == -1) {
          unknown++;
        } else if (d <= 0) {
          throw new IllegalArgumentException("target_shape " + Arrays.toString(targetShape) + " has dimension " + d);
        }
      }
      if (unknown > 1) {
        throw new IllegalArgumentException("target_shape " + Arrays.toString(targetShape) + " has more than one -1");
      }
    }

    @Override
    public String className() {
      return "Reshape";
    }
  }

  /** Dropout, GaussianNoise, ActivityRegularization: the identity at inference. */
  record Identity(String name, String className) implements LayerSpec {}

  record Activation(String name, KerasActivation activation) implements LayerSpec {
    @Override
    public String className() {
      return "Activation";
    }
  }

  record LeakyRelu(String name, float slope) implements LayerSpec {
    public LeakyRelu {
      if (!Float.isFinite(slope)) {
        throw new IllegalArgumentException("negative_slope must be finite, found " + slope);
      }
    }

    @Override
    public String className() {
      return "LeakyReLU";
    }
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  record BatchNorm(String name, JsonNode axis, Double epsilon, Boolean center, Boolean scale,
      Boolean renorm) implements LayerSpec {
    public BatchNorm {
      epsilon = epsilon == null ? 1e-3 : epsilon;
      if (!(epsilon > 0) || !Double.isFinite(epsilon)) {
        throw new IllegalArgumentException("epsilon must be positive, found " + epsilon);
      }
      center = center == null || center;
      scale = scale == null || scale;
      if (renorm != null && renorm) {
        throw new IllegalArgumentException("batch renormalization (renorm true) is not supported");
      }
    }

    /** The normalised axis as written ({@code -1}, or a positive index checked against the rank later). */
    int axisIndex() {
      JsonNode a = axis != null && axis.isArray() && axis.size() == 1 ? axis.get(0) : axis;
      if (a == null || a.isNull()) {
        return -1;
      }
      if (!a.canConvertToInt()) {
        throw new IllegalArgumentException("axis " + axis + " is not supported (one axis, the channels)");
      }
      return a.asInt();
    }

    @Override
    public String className() {
      return "BatchNormalization";
    }

    @Override
    public int weightCount() {
      return (scale ? 1 : 0) + (center ? 1 : 0) + 2;
    }
  }

  record Add(String name) implements LayerSpec {
    @Override
    public String className() {
      return "Add";
    }
  }

  record Concatenate(String name, int axis) implements LayerSpec {
    @Override
    public String className() {
      return "Concatenate";
    }
  }

  /** A Functional or Sequential model used as a layer. */
  record Nested(String name, String className, KerasConfig.Model model) implements LayerSpec {
    @Override
    public int weightCount() {
      return model.weightCount();
    }
  }
}
