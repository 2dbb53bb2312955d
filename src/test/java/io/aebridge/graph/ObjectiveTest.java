package io.aebridge.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.LossKind;
import io.aebridge.spec.SparsitySpec;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class ObjectiveTest {

  @Test
  void bceFromLogitsMatchesTheTextbookFormulaIncludingLargeLogits() {
    float[] logits = {-30f, -2f, 0f, 0.5f, 3f, 40f};
    float[] targets = {0f, 0.2f, 1f, 0.7f, 0f, 1f};
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      var z = tf.constant(logits);
      var y = tf.constant(targets);
      try (Result r = s.runner().fetch(Objective.bceFromLogits(tf, z, y)).run()) {
        TFloat32 out = (TFloat32) r.get(0);
        for (int i = 0; i < logits.length; i++) {
          double p = 1 / (1 + Math.exp(-logits[i]));
          p = Math.min(Math.max(p, 1e-15), 1 - 1e-15);
          double expected = -(targets[i] * Math.log(p) + (1 - targets[i]) * Math.log(1 - p));
          assertEquals(expected, out.getFloat(i), 1e-4 * Math.max(1, expected), "logit " + logits[i]);
        }
      }
    }
  }

  @Test
  void l1PenaltyIsPerExampleSoItDoesNotGrowWithTheBatch() {
    AutoencoderSpec spec = AutoencoderSpec.builder("s").sparse(SparsitySpec.l1(0.5)).codeSize(4).build();
    double one = l1Penalty(spec, 1);
    double eight = l1Penalty(spec, 8);
    assertEquals(one, eight, 1e-5 * one);
  }

  private static double l1Penalty(AutoencoderSpec spec, int batch) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      AutoencoderGraph model = AutoencoderGraph.build(tf, spec, new SeededParameters(3));
      var penalty = Objective.sparsityPenalty(tf, model, spec.sparsity());
      float[] sample = new float[784];
      for (int i = 0; i < sample.length; i++) {
        sample[i] = (i % 11) / 11f;
      }
      float[] values = new float[784 * batch];
      for (int b = 0; b < batch; b++) {
        System.arraycopy(sample, 0, values, b * 784, 784);
      }
      try (Session s = new Session(g);
          TFloat32 x = TFloat32.tensorOf(Shape.of(batch, 784), DataBuffers.of(values));
          Result r = s.runner().feed(model.input(), x).fetch(penalty).run()) {
        return ((TFloat32) r.get(0)).getFloat();
      }
    }
  }

  @Test
  void klPenaltyIsZeroWhenMeanActivationEqualsTheTarget() {
    AutoencoderSpec spec = AutoencoderSpec.builder("kl").sparse(SparsitySpec.kl(0.5, 3))
        .codeActivation(Activation.SIGMOID).codeSize(4).build();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      AutoencoderGraph model = AutoencoderGraph.build(tf, spec, new SeededParameters(3));
      var penalty = Objective.sparsityPenalty(tf, model, spec.sparsity());
      // A zero input gives pre-activations equal to the zero biases: every sigmoid unit sits at exactly 0.5.
      try (Session s = new Session(g);
          TFloat32 x = TFloat32.tensorOf(Shape.of(2, 784), DataBuffers.of(new float[2 * 784]));
          Result r = s.runner().feed(model.input(), x).fetch(penalty).run()) {
        assertEquals(0.0, ((TFloat32) r.get(0)).getFloat(), 1e-6);
      }
    }
  }
}
