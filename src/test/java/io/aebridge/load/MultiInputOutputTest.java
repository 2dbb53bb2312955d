package io.aebridge.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/** A SavedModel with two inputs and three outputs of mixed dtypes, as a multi-head Keras model would have. */
class MultiInputOutputTest {

  @Test
  void severalInputsAndOutputsByNameInSignatureOrder(@TempDir Path dir) throws Exception {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      var a = tf.withName("a").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 3)));
      var b = tf.withName("b").placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1, 3)));
      var sum = tf.math.add(tf.dtypes.cast(a, TFloat64.class), b);
      var product = tf.math.mul(a, tf.dtypes.cast(b, TFloat32.class));
      var total = tf.sum(sum, tf.constant(1));
      Signature sig = Signature.builder().key("serving_default").input("a", a).input("b", b)
          .output("zeta_sum", sum).output("alpha_product", product).output("total", total).build();
      try (Session s = new Session(g)) {
        SavedModelBundle.exporter(dir.toString()).withSession(s).withFunction(SessionFunction.create(sig, s)).export();
      }
    }
    try (LoadedModel model = LoadedModel.load(dir)) {
      SignatureInfo info = model.signature("serving_default");
      assertEquals(List.of(DataType.DT_FLOAT, DataType.DT_DOUBLE),
          info.inputs().stream().map(TensorSpec::dtype).toList());
      Map<String, HostTensor> out = model.run("serving_default", Map.of(
          "a", HostTensor.ofFloats(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}),
          "b", HostTensor.ofDoubles(new long[] {2, 3}, new double[] {0.5, 0.5, 0.5, 1, 1, 1})));
      // Outputs come back sorted by key, as the signature lists them, each with its own dtype and shape.
      assertEquals(List.of("alpha_product", "total", "zeta_sum"), List.copyOf(out.keySet()));
      assertEquals(info.outputs().stream().map(TensorSpec::key).toList(), List.copyOf(out.keySet()));
      assertArrayEquals(new double[] {1.5, 2.5, 3.5, 5, 6, 7}, out.get("zeta_sum").doubles(), 1e-12);
      assertEquals(DataType.DT_DOUBLE, out.get("zeta_sum").dtype());
      assertArrayEquals(new float[] {0.5f, 1, 1.5f, 4, 5, 6}, out.get("alpha_product").floats(), 1e-6f);
      assertArrayEquals(new double[] {7.5, 18}, out.get("total").doubles(), 1e-12);
      assertArrayEquals(new long[] {2}, out.get("total").shape());
    }
  }
}
