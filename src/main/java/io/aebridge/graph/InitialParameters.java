package io.aebridge.graph;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Variables that start from given values instead of fresh Glorot draws: training that continues from weights made
 * elsewhere (a Keras file mapped onto a spec). Each requested variable must be present in the values with the
 * same shape; the values are embedded in the training graph as the variables' initial values. Not thread-safe;
 * used while one graph is built.
 */
public final class InitialParameters implements ParameterFactory {
  private final ModelWeights initial;
  private final List<Variable<TFloat32>> variables = new ArrayList<>();
  private final Set<String> used = new HashSet<>();

  /** @param initial a value for every variable the graph will create, by graph name */
  public InitialParameters(ModelWeights initial) {
    this.initial = initial;
  }

  @Override
  public Variable<TFloat32> create(Ops tf, String name, Shape shape, Role role, long fanIn, long fanOut) {
    ModelWeights.Tensor value = initial.byName().get(name);
    if (value == null) {
      throw new IllegalArgumentException("no initial value for variable '" + name + "' " + shape + "; given: "
          + initial.byName().keySet());
    }
    if (!Arrays.equals(value.shape(), shape.asArray())) {
      throw new IllegalArgumentException("initial value of '" + name + "' has shape " + Arrays.toString(value.shape())
          + ", the graph needs " + shape);
    }
    Ops init = tf.withInitScope();
    var constant = init.constant(shape, DataBuffers.of(value.values(), true, false));
    Variable<TFloat32> variable = tf.withName(name).variable(constant);
    variables.add(variable);
    used.add(name);
    return variable;
  }

  /**
   * Throws when some given values were not asked for: they belong to a different architecture, and training a
   * graph that ignores part of the weights would be silently wrong.
   */
  public void checkAllUsed() {
    Set<String> unused = new HashSet<>(initial.byName().keySet());
    unused.removeAll(used);
    if (!unused.isEmpty()) {
      throw new IllegalArgumentException("initial values " + unused + " match no variable of the graph "
          + used);
    }
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    return List.copyOf(variables);
  }
}
