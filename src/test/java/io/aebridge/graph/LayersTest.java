package io.aebridge.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.LossKind;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
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
