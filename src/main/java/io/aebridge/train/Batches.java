package io.aebridge.train;

import io.aebridge.graph.AutoencoderGraph;
import io.aebridge.graph.Objective;
import io.aebridge.spec.AutoencoderSpec;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

/** Feeding helpers: batches become tensors straight from float arrays, one try-with-resources per step. */
final class Batches {
  private Batches() {}

  /** {@code shape} (batch dimension unknown) with {@code n} as its first dimension. */
  static Shape batchShape(Shape shape, int n) {
    long[] dims = shape.asArray().clone();
    dims[0] = n;
    return Shape.of(dims);
  }

  /** A tensor of {@code n} samples for the graph's input, copied from {@code values} from sample {@code first}. */
  static TFloat32 tensor(AutoencoderGraph model, float[] values, int first, int n, int sampleSize) {
    return tensor(model.inputShape(), values, first, n, sampleSize);
  }

  /** A tensor of {@code n} samples shaped like {@code shape}, copied from {@code values} from sample {@code first}. */
  static TFloat32 tensor(Shape shape, float[] values, int first, int n, int sampleSize) {
    var buffer = DataBuffers.of(values, true, false).offset((long) first * sampleSize).narrow((long) n * sampleSize);
    return TFloat32.tensorOf(batchShape(shape, n), buffer);
  }

  /** Mean {@code [reconstructionLoss, penalty]} over all samples, weighting each batch by its size. */
  static double[] evaluate(Session session, AutoencoderGraph model, Objective objective, AutoencoderSpec spec,
      float[] inputs, float[] targets, int count, int batchSize) {
    int sampleSize = spec.inputSize();
    double loss = 0;
    double penalty = 0;
    for (int first = 0; first < count; first += batchSize) {
      int n = Math.min(batchSize, count - first);
      try (TFloat32 x = tensor(model, inputs, first, n, sampleSize);
          TFloat32 y = tensor(model, targets, first, n, sampleSize);
          Result result = session.runner().feed(model.input(), x).feed(objective.target(), y)
              .fetch(objective.reconstructionLoss()).fetch(objective.penalty()).run()) {
        loss += n * (double) ((TFloat32) result.get(0)).getFloat();
        penalty += n * (double) ((TFloat32) result.get(1)).getFloat();
      }
    }
    return new double[] {loss / count, penalty / count};
  }
}
