package io.aebridge.graph;

import io.aebridge.graph.ParameterFactory.Role;
import io.aebridge.spec.Activation;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.index.Indices;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;

/** Layer building blocks made of plain TF ops; weights come from a {@link ParameterFactory}. */
final class Layers {
  /** tf.nn.leaky_relu's default slope. */
  static final float LEAKY_RELU_ALPHA = 0.2f;

  private Layers() {}

  /** A dense layer's weights, reusable on several inputs (the decoder runs on the encoder's code and on fed codes). */
  record Dense(Variable<TFloat32> kernel, Variable<TFloat32> bias, Activation activation) {
    static Dense create(Ops tf, ParameterFactory params, String scope, long in, long out, Activation activation) {
      return new Dense(params.create(tf, scope + "_kernel", Shape.of(in, out), Role.KERNEL, in, out),
          params.create(tf, scope + "_bias", Shape.of(out), Role.BIAS, in, out), activation);
    }

    Operand<TFloat32> preActivation(Ops tf, Operand<TFloat32> x) {
      return tf.nn.biasAdd(tf.linalg.matMul(x, kernel), bias);
    }

    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return activate(tf, preActivation(tf, x), activation);
    }
  }

  /** A same-padded 2-D convolution, stride 1, with bias. */
  record Conv(Variable<TFloat32> kernel, Variable<TFloat32> bias, Activation activation) {
    static Conv create(Ops tf, ParameterFactory params, String scope, int size, long in, long out,
        Activation activation) {
      long receptive = (long) size * size;
      return new Conv(params.create(tf, scope + "_kernel", Shape.of(size, size, in, out), Role.KERNEL,
          receptive * in, receptive * out),
          params.create(tf, scope + "_bias", Shape.of(out), Role.BIAS, in, out), activation);
    }

    Operand<TFloat32> preActivation(Ops tf, Operand<TFloat32> x) {
      return tf.nn.biasAdd(tf.nn.conv2d(x, kernel, List.of(1L, 1L, 1L, 1L), "SAME"), bias);
    }

    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return activate(tf, preActivation(tf, x), activation);
    }
  }

  /** A strided transposed convolution (Keras Conv2DTranspose, same padding) with bias. */
  record ConvTranspose(Variable<TFloat32> kernel, Variable<TFloat32> bias, Activation activation, int stride,
      int outHeight, int outWidth, int outChannels) {
    static ConvTranspose create(Ops tf, ParameterFactory params, String scope, int size, int stride, long in,
        int out, int outHeight, int outWidth, Activation activation) {
      long receptive = (long) size * size;
      // conv2d_transpose kernels are [h, w, out, in].
      return new ConvTranspose(params.create(tf, scope + "_kernel", Shape.of(size, size, out, in), Role.KERNEL,
          receptive * in, receptive * out),
          params.create(tf, scope + "_bias", Shape.of(out), Role.BIAS, in, out), activation, stride, outHeight,
          outWidth, out);
    }

    Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      // The output shape needs the runtime batch size; it carries no gradient, so it is cut off the backward pass.
      var batch = tf.stridedSlice(tf.shape(x), Indices.slice(0, 1));
      var outputShape = tf.stopGradient(tf.concat(
          List.of(batch, tf.constant(new int[] {outHeight, outWidth, outChannels})), tf.constant(0)));
      var deconv = tf.nn.conv2dBackpropInput(outputShape, kernel, x, List.of(1L, (long) stride, (long) stride, 1L),
          "SAME");
      return activate(tf, tf.nn.biasAdd(deconv, bias), activation);
    }
  }

  /**
   * A same-padded max pool, {@code pool × pool}, stride {@code pool}. Built as TensorFlow's {@code MaxPool} with the
   * window in attributes (what Keras emits), not as {@code MaxPoolV2} (window as a tensor; all that
   * {@code tf.nn.maxPool} offers): only the former is rewritten to oneDNN's kernels on CPU, forward and backward.
   * Profiled on the tutorial's conv model (bench/README.md): the pools' share of a training step fell from ~10% to
   * ~4%.
   */
  static Operand<TFloat32> maxPool(Ops tf, Operand<TFloat32> x, int pool) {
    long[] window = {1, pool, pool, 1};
    OperationBuilder b = tf.scope().opBuilder("MaxPool", "MaxPool");
    b.addInput(x.asOutput());
    b.setAttr("ksize", window);
    b.setAttr("strides", window);
    b.setAttr("padding", "SAME");
    return b.build().output(0);
  }

  static Operand<TFloat32> upsample(Ops tf, Operand<TFloat32> x, int height, int width) {
    return tf.image.resizeNearestNeighbor(x, tf.constant(new int[] {height, width}));
  }

  /**
   * Keeps the centre {@code height × width} of an NHWC map. A {@code Slice}, whose gradient is a {@code Pad}: the
   * {@code StridedSlice} used before had a gradient ({@code StridedSliceGrad}) that took 22% of a conv training step.
   */
  static Operand<TFloat32> centreCrop(Ops tf, Operand<TFloat32> x, int fromHeight, int fromWidth, int height,
      int width) {
    return crop(tf, x, (fromHeight - height) / 2, (fromWidth - width) / 2, height, width);
  }

  /** Keeps the {@code height × width} window of an NHWC map whose top left corner is at {@code (top, left)}. */
  static Operand<TFloat32> crop(Ops tf, Operand<TFloat32> x, int top, int left, int height, int width) {
    return tf.slice(x, tf.constant(new int[] {0, top, left, 0}), tf.constant(new int[] {-1, height, width, -1}));
  }

  static Operand<TFloat32> activate(Ops tf, Operand<TFloat32> x, Activation activation) {
    return switch (activation) {
      case RELU -> tf.nn.relu(x);
      case SIGMOID -> tf.math.sigmoid(x);
      case TANH -> tf.math.tanh(x);
      case ELU -> tf.nn.elu(x);
      case LEAKY_RELU -> tf.nn.leakyRelu(x, LeakyRelu.alpha(LEAKY_RELU_ALPHA));
      case LINEAR -> x;
    };
  }
}
