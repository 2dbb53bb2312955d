package io.aebridge.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.graph.ParameterFactory.Role;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class InitialParametersTest {
  private static ModelWeights weights() {
    Map<String, ModelWeights.Tensor> m = new LinkedHashMap<>();
    m.put("k", new ModelWeights.Tensor(new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6}));
    m.put("b", new ModelWeights.Tensor(new long[] {3}, new float[] {-1, 0, 1}));
    return new ModelWeights(m);
  }

  @Test
  void variablesStartFromTheGivenValues() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      InitialParameters params = new InitialParameters(weights());
      var k = params.create(tf, "k", Shape.of(2, 3), Role.KERNEL, 2, 3);
      var b = params.create(tf, "b", Shape.of(3), Role.BIAS, 2, 3);
      params.checkAllUsed();
      try (Session s = new Session(g); Result r = s.runner().fetch(k).fetch(b).run()) {
        float[] kv = new float[6];
        float[] bv = new float[3];
        ((TFloat32) r.get(0)).copyTo(DataBuffers.of(kv, false, false));
        ((TFloat32) r.get(1)).copyTo(DataBuffers.of(bv, false, false));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, kv);
        assertArrayEquals(new float[] {-1, 0, 1}, bv);
      }
    }
  }

  @Test
  void missingWrongShapedAndUnusedValuesAreRefusedByName() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      InitialParameters params = new InitialParameters(weights());
      var missing = assertThrows(IllegalArgumentException.class,
          () -> params.create(tf, "other", Shape.of(3), Role.BIAS, 2, 3));
      assertTrue(missing.getMessage().contains("no initial value for variable 'other'"), missing.getMessage());
      var shape = assertThrows(IllegalArgumentException.class,
          () -> params.create(tf, "k", Shape.of(3, 2), Role.KERNEL, 3, 2));
      assertTrue(shape.getMessage().contains("'k' has shape [2, 3], the graph needs [3, 2]"), shape.getMessage());
      params.create(tf, "k", Shape.of(2, 3), Role.KERNEL, 2, 3);
      var unused = assertThrows(IllegalArgumentException.class, params::checkAllUsed);
      assertTrue(unused.getMessage().contains("[b] match no variable"), unused.getMessage());
    }
  }
}
