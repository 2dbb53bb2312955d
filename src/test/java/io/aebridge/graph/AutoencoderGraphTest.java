package io.aebridge.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.spec.Activation;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.ContractiveSpec;
import io.aebridge.spec.ConvSpec;
import io.aebridge.spec.CorruptionSpec;
import io.aebridge.spec.DecoderMode;
import io.aebridge.spec.LossKind;
import io.aebridge.spec.SparsitySpec;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

class AutoencoderGraphTest {

  static Stream<Arguments> everyKind() {
    return Stream.of(
        Arguments.of(AutoencoderSpec.builder("dense").build(), new long[] {3, 784}, new long[] {3, 32}),
        Arguments.of(AutoencoderSpec.builder("deep").encoderLayers(128, 64).build(), new long[] {3, 784},
            new long[] {3, 32}),
        Arguments.of(AutoencoderSpec.builder("sparse").sparse(new SparsitySpec(1e-4, 0.05, 3))
            .codeActivation(Activation.SIGMOID).build(), new long[] {3, 784}, new long[] {3, 32}),
        Arguments.of(AutoencoderSpec.builder("contractive").contractive(new ContractiveSpec(0.1))
            .codeActivation(Activation.SIGMOID).codeSize(16).build(), new long[] {3, 784}, new long[] {3, 16}),
        Arguments.of(AutoencoderSpec.builder("conv").convolutional(ConvSpec.tutorial()).build(),
            new long[] {3, 28, 28, 1}, new long[] {3, 4, 4, 8}),
        Arguments.of(AutoencoderSpec.builder("conv-transpose")
            .convolutional(new ConvSpec(List.of(32, 32), 3, 2, DecoderMode.TRANSPOSE)).build(),
            new long[] {3, 28, 28, 1}, new long[] {3, 7, 7, 32}),
        Arguments.of(AutoencoderSpec.builder("rgb-odd").inputShape(13, 10, 3)
            .convolutional(new ConvSpec(List.of(4, 6), 3, 2, DecoderMode.UPSAMPLE)).build(),
            new long[] {3, 13, 10, 3}, new long[] {3, 4, 3, 6}),
        Arguments.of(AutoencoderSpec.builder("conv-residual").inputShape(12, 12, 3)
            .convolutional(new ConvSpec(List.of(8, 8), 3, 1, DecoderMode.UPSAMPLE, true)).build(),
            new long[] {3, 12, 12, 3}, new long[] {3, 12, 12, 8}),
        Arguments.of(AutoencoderSpec.builder("denoising").corruption(CorruptionSpec.gaussian(0.5))
            .activation(Activation.ELU).encoderLayers(64).build(), new long[] {3, 784}, new long[] {3, 32}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyKind")
  void forwardShapesAndOneTrainingStepForEveryKind(AutoencoderSpec spec, long[] inputShape, long[] codeShape) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      AutoencoderGraph model = AutoencoderGraph.build(tf, spec, new SeededParameters(7));
      Objective objective = Objective.build(tf, model, spec, LossKind.BCE);
      // Every kind must be differentiable end to end with the runtime's C++ gradients.
      var step = new org.tensorflow.framework.optimizers.Adam(graph, 0.001f).minimize(objective.total());
      int size = (int) Shape.of(inputShape).size();
      float[] values = new float[size];
      for (int i = 0; i < size; i++) {
        values[i] = (i % 7) / 7f;
      }
      try (Session session = new Session(graph);
          TFloat32 x = TFloat32.tensorOf(Shape.of(inputShape), org.tensorflow.ndarray.buffer.DataBuffers.of(values));
          Result r = session.runner().feed(model.input(), x).feed(objective.target(), x)
              .fetch(model.code()).fetch(model.reconstruction()).fetch(objective.total()).addTarget(step).run()) {
        assertArrayEquals(codeShape, r.get(0).shape().asArray(), "code shape");
        assertArrayEquals(inputShape, r.get(1).shape().asArray(), "reconstruction shape");
        float loss = ((TFloat32) r.get(2)).getFloat();
        assertTrue(Float.isFinite(loss) && loss > 0, "loss " + loss);
        TFloat32 rec = (TFloat32) r.get(1);
        float first = rec.asRawTensor().data().asFloats().getFloat(0);
        assertTrue(first >= 0 && first <= 1, "sigmoid output in [0,1], found " + first);
      }
      // Shapes with an unknown dimension never compare equal, so compare the dimensions.
      assertArrayEquals(AutoencoderGraph.codeShapeOf(spec).asArray(), model.codeShape().asArray());
      assertEquals(-1, model.codeShape().get(0));
    }
  }

  /**
   * With every weight zero the decoder's correction is zero, so a residual model returns its input (clipped to
   * [ε, 1 − ε] under a sigmoid, exactly under a linear output) where a plain one returns sigmoid(0) = 0.5 everywhere.
   */
  @ParameterizedTest(name = "residual {0}, output {1}")
  @org.junit.jupiter.params.provider.CsvSource({"true, sigmoid", "true, linear", "false, sigmoid"})
  void aResidualDecoderWithZeroWeightsReturnsItsInput(boolean residual, String output) {
    Activation activation = Activation.valueOf(output.toUpperCase(java.util.Locale.ROOT));
    AutoencoderSpec spec = AutoencoderSpec.builder("residual").inputShape(6, 5, 3).outputActivation(activation)
        .loss(LossKind.MSE).convolutional(new ConvSpec(List.of(4), 3, 1, DecoderMode.UPSAMPLE, residual)).build();
    float[] values = new float[2 * 6 * 5 * 3];
    for (int i = 0; i < values.length; i++) {
      values[i] = (i % 11) / 10f;
    }
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      AutoencoderGraph model = AutoencoderGraph.build(tf, spec, new ZeroParameters());
      try (Session session = new Session(graph);
          TFloat32 x = TFloat32.tensorOf(Shape.of(2, 6, 5, 3), org.tensorflow.ndarray.buffer.DataBuffers.of(values));
          Result r = session.runner().feed(model.input(), x).fetch(model.reconstruction()).run()) {
        float[] out = new float[values.length];
        r.get(0).asRawTensor().data().asFloats().read(out);
        float eps = ConvSpec.RESIDUAL_EPSILON;
        for (int i = 0; i < values.length; i++) {
          float expected = !residual ? 0.5f
              : activation == Activation.LINEAR ? values[i] : Math.max(eps, Math.min(1 - eps, values[i]));
          assertEquals(expected, out[i], 1e-5, "reconstruction[" + i + "] of input " + values[i]);
        }
      }
    }
  }

  /** Every variable starts at zero. */
  private static final class ZeroParameters implements ParameterFactory {
    private final java.util.List<org.tensorflow.op.core.Variable<TFloat32>> variables = new java.util.ArrayList<>();

    @Override
    public org.tensorflow.op.core.Variable<TFloat32> create(Ops tf, String name, Shape shape, Role role, long fanIn,
        long fanOut) {
      Ops init = tf.withInitScope();
      var variable = tf.withName(name).variable(init.zeros(init.constant(shape), TFloat32.class));
      variables.add(variable);
      return variable;
    }

    @Override
    public java.util.List<org.tensorflow.op.core.Variable<TFloat32>> variables() {
      return java.util.List.copyOf(variables);
    }
  }
}
