package io.aebridge.graph;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Assign;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Uninitialised variables, each with an assign op fed from a placeholder, for building a clean inference graph and
 * loading trained values into it before export. Feeding values (instead of embedding them as constants) keeps the
 * weights out of {@code saved_model.pb}: they are stored once, in {@code variables/}.
 */
public final class AssignedParameters implements ParameterFactory {
  /** One variable with the placeholder and assign op that set it. */
  public record Slot(Variable<TFloat32> variable, Placeholder<TFloat32> value, Assign<TFloat32> assign) {}

  private final List<Slot> slots = new ArrayList<>();

  @Override
  public Variable<TFloat32> create(Ops tf, String name, Shape shape, Role role, long fanIn, long fanOut) {
    Variable<TFloat32> variable = tf.withName(name).variable(shape, TFloat32.class);
    Placeholder<TFloat32> value =
        tf.withName(name + "_value").placeholder(TFloat32.class, Placeholder.shape(shape));
    Assign<TFloat32> assign = tf.withName(name + "_assign").assign(variable, value);
    slots.add(new Slot(variable, value, assign));
    return variable;
  }

  @Override
  public List<Variable<TFloat32>> variables() {
    return slots.stream().map(Slot::variable).toList();
  }

  /** The variables with their assign ops, in creation order. */
  public List<Slot> slots() {
    return List.copyOf(slots);
  }
}
