package io.aebridge.bench;

import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.SpecJson;
import java.util.Locale;

/**
 * The three models of the training benchmark, as specs; {@code bench/keras_train.py} builds the same
 * architectures in Keras (same layer sizes, activations, padding, Glorot-uniform kernels and zero biases, BCE,
 * Adam lr 0.001 with Keras's ε 1e-7).
 */
final class BenchModels {
  private BenchModels() {}

  /** The tutorial's batch size of {@code model}. */
  static int defaultBatch(String model) {
    return "conv".equals(model) ? 128 : 256;
  }

  static AutoencoderSpec spec(String model, int epochs, Integer batch, long seed) {
    int b = batch == null ? defaultBatch(model) : batch;
    String training = String.format(Locale.ROOT,
        "\"training\":{\"epochs\":%d,\"batchSize\":%d,\"learningRate\":0.001,\"seed\":%d}", epochs, b, seed);
    String json = switch (model) {
      // 784 -> Dense(32, relu) -> Dense(784, sigmoid)
      case "dense" -> "{\"name\":\"dense\",\"codeSize\":32,\"loss\":\"bce\"," + training + "}";
      // 784-128-64-32-64-128-784, relu, sigmoid output
      case "deep" -> "{\"name\":\"deep\",\"encoderLayers\":[128,64],\"codeSize\":32,\"loss\":\"bce\"," + training
          + "}";
      // Conv16-MP-Conv8-MP-Conv8-MP -> 4x4x8; Conv8-UP-Conv8-UP-Conv16-UP, crop 32 -> 28, Conv1 (sigmoid)
      case "conv" -> "{\"name\":\"conv\",\"kind\":\"convolutional\",\"inputShape\":[28,28,1],"
          + "\"conv\":{\"filters\":[16,8,8],\"kernelSize\":3,\"poolSize\":2,\"decoder\":\"upsample\"},"
          + "\"loss\":\"bce\"," + training + "}";
      default -> throw new IllegalArgumentException("--model must be dense, deep or conv, found '" + model + "'");
    };
    return SpecJson.parse(json);
  }
}
