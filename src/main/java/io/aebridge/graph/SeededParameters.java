package io.aebridge.graph;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.framework.initializers.RandomUniform;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Glorot-uniform kernels and zero biases (Keras's Dense/Conv2D defaults), seeded so the same seed gives the same
 * weights. Each kernel gets its own derived seed: stateless initialisers with one shared seed would give identical
 * layers. Not thread-safe; used while one graph is built.
 */
public final class SeededParameters implements ParameterFactory {
  private final long seed;
  private final List<Variable<TFloat32>> variables = new ArrayList<>();

  public SeededParameters(long seed) {
    this.seed = seed;
  }

  @Override
  public Variable<TFloat32> create(Ops tf, String name, Shape shape, Role role, long fanIn, long fanOut) {
    Ops init = tf.withInitScope();
    var dims = init.constant(shape);
    var initial = role == Role.KERNEL
        ? glorotUniform(fanIn, fanOut, seed * 1_000_003L + variables.size()).call(init, dims, TFloat32.class)
        : init.zeros(dims, TFloat32.class);
    Variable<TFloat32> variable = tf.withName(name).variable(initial);
    variables.add(variable);
    return variable;
  }

  /**
   * Glorot/Xavier uniform: U(−l, l) with l = √(6 / (fanIn + fanOut)). Built on the framework's RandomUniform
   * because its {@code Glorot(UNIFORM)} draws from U(0, l) in 1.1.0 — every weight positive, so the initial
   * reconstructions saturate and BCE starts near 5 instead of ln 2.
   */
  static RandomUniform<TFloat32> glorotUniform(long fanIn, long fanOut, long seed) {
    double limit = Math.sqrt(6.0 / (fanIn + fanOut));
    return new RandomUniform<>(-limit, limit, seed);
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    return List.copyOf(variables);
  }
}
