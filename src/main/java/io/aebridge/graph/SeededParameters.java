package io.aebridge.graph;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.framework.initializers.Glorot;
import org.tensorflow.framework.initializers.VarianceScaling;
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
        ? new Glorot<TFloat32>(VarianceScaling.Distribution.UNIFORM, seed * 1_000_003L + variables.size())
            .call(init, dims, TFloat32.class)
        : init.zeros(dims, TFloat32.class);
    Variable<TFloat32> variable = tf.withName(name).variable(initial);
    variables.add(variable);
    return variable;
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    return List.copyOf(variables);
  }
}
