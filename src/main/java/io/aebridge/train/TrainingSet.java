package io.aebridge.train;

import io.aebridge.graph.AutoencoderGraph;
import io.aebridge.spec.AutoencoderSpec;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * The training set inside the training graph: placeholders for all training inputs (and targets, for paired data),
 * fed whole to every step, and the batch gathered from them by fed indices. The gathered batch is the default of
 * the model's input and the objective's target, so a step feeds {@code batch} ints instead of two batches of
 * samples; a fed input (a denoising spec's corrupted batch, an evaluation batch) still overrides it.
 *
 * <p>In an interleaved A/B on the benchmark's dense model (784-32-784, batch 256, a heavily loaded machine), steps
 * fed this way took 12–17% less time than steps fed two copied batches (the A/B also fetched one loss instead of
 * three). The whole set is fed by reference (TensorFlow reads the tensor's memory, it does not copy it), so the one
 * cost is a single copy into native memory when training starts ({@link #tensors}): the set's size again, for the
 * length of the training.
 *
 * @param inputs all training inputs, {@code [count, …sample shape]}
 * @param targets all training targets, or the same placeholder as {@code inputs} when they are the inputs
 * @param indices the batch's sample indices, {@code [n]}
 * @param batchInputs the inputs gathered by {@code indices}
 * @param batchTargets the targets gathered by {@code indices} ({@code batchInputs} when they are the inputs)
 */
record TrainingSet(Placeholder<TFloat32> inputs, Placeholder<TFloat32> targets, Placeholder<TInt32> indices,
    Operand<TFloat32> batchInputs, Operand<TFloat32> batchTargets) {

  /** Adds the placeholders and gathers; {@code paired} when the targets are not the inputs. */
  static TrainingSet build(Ops tf, AutoencoderSpec spec, boolean paired) {
    Shape shape = AutoencoderGraph.inputShapeOf(spec);
    Placeholder<TFloat32> inputs =
        tf.withName("training_inputs").placeholder(TFloat32.class, Placeholder.shape(shape));
    Placeholder<TFloat32> targets = paired
        ? tf.withName("training_targets").placeholder(TFloat32.class, Placeholder.shape(shape))
        : inputs;
    Placeholder<TInt32> indices =
        tf.withName("batch_indices").placeholder(TInt32.class, Placeholder.shape(Shape.of(Shape.UNKNOWN_SIZE)));
    Operand<TFloat32> batchInputs = tf.withName("batch_inputs").gather(inputs, indices, tf.constant(0));
    Operand<TFloat32> batchTargets = paired
        ? tf.withName("batch_targets").gather(targets, indices, tf.constant(0))
        : batchInputs;
    return new TrainingSet(inputs, targets, indices, batchInputs, batchTargets);
  }

  /** The training set as tensors, copied once from {@code data}; the caller closes them when training ends. */
  Tensors tensors(TrainingData data) {
    Shape shape = inputs.shape();
    TFloat32 in = tensor(shape, data.inputs().values(), data.inputs().count());
    try {
      TFloat32 out = targets == inputs ? null : tensor(shape, data.targets().values(), data.targets().count());
      return new Tensors(in, out);
    } catch (RuntimeException | Error e) {
      in.close();
      throw e;
    }
  }

  /**
   * Adds one step's feeds to {@code runner}: the whole set, the batch's {@code indices} and, when not null, a fed
   * batch of inputs {@code x} that replaces the gathered one.
   */
  Session.Runner feed(Session.Runner runner, Tensors all, TInt32 batch, AutoencoderGraph model, TFloat32 x) {
    runner.feed(inputs, all.inputs()).feed(indices, batch);
    if (all.targets() != null) {
      runner.feed(targets, all.targets());
    }
    if (x != null) {
      runner.feed(model.input(), x);
    }
    return runner;
  }

  private static TFloat32 tensor(Shape sampleShape, float[] values, int count) {
    return TFloat32.tensorOf(Batches.batchShape(sampleShape, count), DataBuffers.of(values, true, false));
  }

  /** The fed training set: inputs, and targets when they differ ({@code null} otherwise). Closes both. */
  record Tensors(TFloat32 inputs, TFloat32 targets) implements AutoCloseable {
    @Override
    public void close() {
      try {
        inputs.close();
      } finally {
        if (targets != null) {
          targets.close();
        }
      }
    }
  }
}
