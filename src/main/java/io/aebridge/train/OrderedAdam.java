package io.aebridge.train;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.framework.optimizers.Optimizer;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Adam (Kingma &amp; Ba) on tensorflow-framework's {@link Optimizer} machinery, with the step counters β₁ᵗ and β₂ᵗ
 * advanced only after every variable's update has read them.
 *
 * <p>tensorflow-framework 1.1.0's {@code Adam} creates those counter updates without a control dependency on the
 * {@code ApplyAdam} ops, so in a multi-threaded session some updates read the old counter and some the new one:
 * the same seed then gave different weights from run to run. Same update rule and Keras defaults otherwise.
 */
final class OrderedAdam extends Optimizer {
  static final String FIRST_MOMENT = "m";
  static final String SECOND_MOMENT = "v";

  private final float learningRate;
  private final float betaOne;
  private final float betaTwo;
  private final float epsilon;
  private Variable<TFloat32> betaOnePower;
  private Variable<TFloat32> betaTwoPower;

  OrderedAdam(Graph graph, float learningRate, float betaOne, float betaTwo, float epsilon) {
    super(graph);
    this.learningRate = learningRate;
    this.betaOne = betaOne;
    this.betaTwo = betaTwo;
    this.epsilon = epsilon;
  }

  @Override
  protected void createSlots(List<Output<? extends TType>> variables) {
    for (Output<? extends TType> v : variables) {
      createMoments(v);
    }
    Ops init = tf.withInitScope();
    betaOnePower = init.withName("beta1_power").variable(init.constant(betaOne));
    betaTwoPower = init.withName("beta2_power").variable(init.constant(betaTwo));
  }

  private <T extends TType> void createMoments(Output<T> v) {
    Ops init = tf.withInitScope();
    createSlot(v, FIRST_MOMENT, init.zeros(init.constant(v.shape()), v.type()));
    createSlot(v, SECOND_MOMENT, init.zeros(init.constant(v.shape()), v.type()));
  }

  @Override
  @SuppressWarnings("unchecked")
  protected <T extends TType> Op applyDense(Ops ops, Output<T> gradient, Output<T> variable) {
    if (variable.type() != TFloat32.class) {
      throw new IllegalArgumentException("OrderedAdam trains float32 variables, found " + variable.type());
    }
    Output<TFloat32> v = (Output<TFloat32>) variable;
    Variable<TFloat32> m = getSlot(v, FIRST_MOMENT).orElseThrow();
    Variable<TFloat32> s = getSlot(v, SECOND_MOMENT).orElseThrow();
    Operand<TFloat32> g = (Operand<TFloat32>) gradient;
    return ops.train.applyAdam(v, m, s, betaOnePower, betaTwoPower, ops.constant(learningRate),
        ops.constant(betaOne), ops.constant(betaTwo), ops.constant(epsilon), g);
  }

  @Override
  protected Op finish(List<Op> updateOperations, String name) {
    Ops afterUpdates = tf.withControlDependencies(updateOperations);
    List<Op> all = new ArrayList<>(updateOperations);
    all.add(afterUpdates.assign(betaOnePower, afterUpdates.math.mul(betaOnePower, afterUpdates.constant(betaOne))));
    all.add(afterUpdates.assign(betaTwoPower, afterUpdates.math.mul(betaTwoPower, afterUpdates.constant(betaTwo))));
    return super.finish(all, name);
  }

  @Override
  public String getOptimizerName() {
    return "Adam";
  }
}
