package io.aebridge.graph;

import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Creates the trainable variables of an autoencoder graph. Training draws fresh Glorot weights
 * ({@link SeededParameters}); export fills a clean inference graph with trained values
 * ({@link AssignedParameters}). The variable names are the same in both, so weights move between graphs by name.
 */
public interface ParameterFactory {

  /** The role of a variable, which decides its initial value. */
  enum Role {
    /** A weight matrix or convolution kernel: Glorot-uniform. */
    KERNEL,
    /** A bias: zeros. */
    BIAS
  }

  /**
   * A new float32 variable.
   *
   * @param tf the ops of the graph being built
   * @param name a graph-unique name such as {@code encoder_dense0_kernel} (no "/": optimizer slot names are derived from it)
   * @param shape the variable's static shape
   * @param role how to initialise it
   * @param fanIn inputs per output unit (for the initialiser)
   * @param fanOut outputs per input unit (for the initialiser)
   */
  Variable<TFloat32> create(Ops tf, String name, Shape shape, Role role, long fanIn, long fanOut);

  /** Every variable created so far, in creation order. */
  List<Variable<TFloat32>> variables();
}
