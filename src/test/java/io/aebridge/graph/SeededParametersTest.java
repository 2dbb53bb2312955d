package io.aebridge.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.graph.ParameterFactory.Role;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class SeededParametersTest {

  private static float[][] draw(long seed) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      SeededParameters params = new SeededParameters(seed);
      var a = params.create(tf, "a", Shape.of(784, 32), Role.KERNEL, 784, 32);
      var b = params.create(tf, "b", Shape.of(784, 32), Role.KERNEL, 784, 32);
      var bias = params.create(tf, "bias", Shape.of(32), Role.BIAS, 784, 32);
      try (Session s = new Session(g); Result r = s.runner().fetch(a).fetch(b).fetch(bias).run()) {
        float[][] out = new float[3][];
        for (int i = 0; i < 3; i++) {
          TFloat32 t = (TFloat32) r.get(i);
          out[i] = new float[(int) t.size()];
          t.copyTo(DataBuffers.of(out[i], false, false));
        }
        return out;
      }
    }
  }

  @Test
  void kernelsAreGlorotUniformAroundZeroAndBiasesZero() {
    float[][] w = draw(42);
    double limit = Math.sqrt(6.0 / (784 + 32));
    double mean = 0;
    double min = Double.MAX_VALUE;
    double max = -Double.MAX_VALUE;
    for (float v : w[0]) {
      mean += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    mean /= w[0].length;
    assertTrue(min >= -limit && max <= limit, "within ±" + limit + ": [" + min + ", " + max + "]");
    assertTrue(min < -0.9 * limit && max > 0.9 * limit, "spans the range: [" + min + ", " + max + "]");
    assertEquals(0.0, mean, 0.003, "centred on zero");
    assertTrue(Arrays.stream(toDoubles(w[2])).allMatch(v -> v == 0.0));
  }

  @Test
  void layersDifferAndTheSameSeedRepeats() {
    float[][] first = draw(42);
    assertFalse(Arrays.equals(first[0], first[1]), "two layers with one seed must not be identical");
    float[][] again = draw(42);
    assertTrue(Arrays.equals(first[0], again[0]) && Arrays.equals(first[1], again[1]));
    assertFalse(Arrays.equals(first[0], draw(43)[0]));
  }

  private static double[] toDoubles(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }
}
