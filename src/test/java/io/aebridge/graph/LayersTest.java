package io.aebridge.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.LossKind;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * The pooling and cropping blocks: their values, and the op types they are built from, which decide which CPU
 * kernels TensorFlow runs (bench/README.md, "profile findings"). No timing is asserted.
 */
class LayersTest {

  private static float[] run(Ops tf, Graph graph, Operand<TFloat32> out) {
    try (Session session = new Session(graph); Result r = session.runner().fetch(out).run()) {
      TFloat32 t = (TFloat32) r.get(0);
      float[] values = new float[(int) t.shape().size()];
      t.copyTo(DataBuffers.of(values, false, false));
      return values;
    }
  }

  @Test
  void maxPoolTakesEachWindowsMaximumWithSamePadding() {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      // 1 × 3 × 3 × 1: windows of 2 with same padding → 2 × 2
      var x = tf.constant(Shape.of(1, 3, 3, 1), DataBuffers.of(1f, 5f, 2f, 3f, -1f, 4f, 7f, 0f, 6f));
      var pooled = Layers.maxPool(tf, x, 2);
      assertArrayEquals(new long[] {1, 2, 2, 1}, pooled.shape().asArray());
      assertArrayEquals(new float[] {5f, 4f, 7f, 6f}, run(tf, graph, pooled));
    }
  }

  @Test
  void centreCropKeepsTheMiddle() {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      float[] v = new float[16];
      for (int i = 0; i < v.length; i++) {
        v[i] = i;
      }
      var x = tf.constant(Shape.of(1, 4, 4, 1), DataBuffers.of(v, true, false));
      var cropped = Layers.centreCrop(tf, x, 4, 4, 2, 2);
      assertArrayEquals(new float[] {5f, 6f, 9f, 10f}, run(tf, graph, cropped));
    }
  }

  @Test
  void croppingWholeBlocksBeforeUpsamplingEqualsCroppingAfter() {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      float[] v = new float[16 * 16 * 3];
      java.util.SplittableRandom random = new java.util.SplittableRandom(5);
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextDouble();
      }
      var x = tf.constant(Shape.of(1, 16, 16, 3), DataBuffers.of(v, true, false));
      // The tutorial decoder's last stage: 16×16 → upsample to 32×32 → centre 28×28 (offset 2 = one 2×2 block).
      float[] after = run(tf, graph, Layers.centreCrop(tf, Layers.upsample(tf, x, 32, 32), 32, 32, 28, 28));
      float[] before = run(tf, graph, Layers.upsample(tf, Layers.crop(tf, x, 1, 1, 14, 14), 28, 28));
      assertArrayEquals(after, before);
    }
  }

  @ParameterizedTest
  @EnumSource(Activation.class)
  void poolingThenActivatingEqualsActivatingThenPoolingValuesAndGradients(Activation activation) {
    float[] v = new float[2 * 7 * 7 * 3];
    float[] w = new float[2 * 4 * 4 * 3];
    java.util.SplittableRandom random = new java.util.SplittableRandom(9);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) random.nextDouble(-2, 2);
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) random.nextDouble(-1, 1);
    }
    float[][] encoderOrder = poolAndActivate(activation, false, v, w);
    float[][] fastOrder = poolAndActivate(activation, true, v, w);
    assertTrue(AutoencoderGraph.nonDecreasing(activation));
    // Equal up to float rounding: Eigen's vectorised sigmoid/tanh may differ in the last bit between map sizes, and
    // ReLU's gradient may be -0 one way and +0 the other.
    assertArrayEquals(encoderOrder[0], fastOrder[0], 1e-6f, "values");
    assertArrayEquals(encoderOrder[1], fastOrder[1], 1e-6f, "gradients");
  }

  /** {values, d(Σ w·out)/dx} of pool(f(x)) or, with {@code poolFirst}, f(pool(x)), on a 2×7×7×3 map. */
  private static float[][] poolAndActivate(Activation activation, boolean poolFirst, float[] v, float[] w) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      var x = tf.placeholder(TFloat32.class, org.tensorflow.op.core.Placeholder.shape(Shape.of(2, 7, 7, 3)));
      Operand<TFloat32> out = poolFirst
          ? Layers.activate(tf, Layers.maxPool(tf, x, 2), activation)
          : Layers.maxPool(tf, Layers.activate(tf, x, activation), 2);
      var loss = tf.sum(tf.math.mul(out, tf.constant(Shape.of(2, 4, 4, 3), DataBuffers.of(w, true, false))),
          tf.constant(new int[] {0, 1, 2, 3}));
      var grad = tf.gradients(loss, java.util.List.of(x)).dy(0);
      try (Session session = new Session(graph);
          TFloat32 in = TFloat32.tensorOf(Shape.of(2, 7, 7, 3), DataBuffers.of(v, true, false));
          Result r = session.runner().feed(x, in).fetch(out).fetch(grad).run()) {
        float[][] result = new float[2][];
        for (int i = 0; i < 2; i++) {
          TFloat32 t = (TFloat32) r.get(i);
          result[i] = new float[(int) t.shape().size()];
          t.copyTo(DataBuffers.of(result[i], false, false));
        }
        return result;
      }
    }
  }

  @Test
  void tutorialDecoderCropsBeforeItsLastUpsampling() {
    AutoencoderSpec spec = AutoencoderSpec.builder("conv").convolutional(ConvSpec.tutorial()).build();
    try (Graph graph = new Graph()) {
      AutoencoderGraph.build(Ops.create(graph), spec, new SeededParameters(7));
      graph.operations().forEachRemaining(op -> {
        if (op.type().equals("ResizeNearestNeighbor")) {
          long side = op.output(0).shape().get(1);
          assertTrue(side == 8 || side == 16 || side == 28, "upsampled to " + op.output(0).shape());
        }
      });
    }
  }

  @Test
  void convTrainingGraphUsesTheOneDnnFriendlyOps() {
    AutoencoderSpec spec = AutoencoderSpec.builder("conv").convolutional(ConvSpec.tutorial()).build();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      AutoencoderGraph model = AutoencoderGraph.build(tf, spec, new SeededParameters(7));
      Objective objective = Objective.build(tf, model, spec, LossKind.BCE);
      new org.tensorflow.framework.optimizers.Adam(graph, 0.001f).minimize(objective.total());
      Set<String> types = new HashSet<>();
      graph.operations().forEachRemaining(op -> types.add(op.type()));
      assertTrue(types.contains("MaxPool") && types.contains("MaxPoolGrad"), types::toString);
      assertTrue(types.contains("Slice"), types::toString);
      assertFalse(types.contains("MaxPoolV2") || types.contains("MaxPoolGradV2"), types::toString);
      assertFalse(types.contains("StridedSliceGrad"), types::toString);
    }
  }
}
