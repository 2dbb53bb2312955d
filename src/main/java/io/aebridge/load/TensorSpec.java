package io.aebridge.load;

import java.util.Arrays;
import org.tensorflow.proto.DataType;

/**
 * One input or output of a signature, as the SavedModel declares it.
 *
 * @param key the signature's name for it ({@code x}, {@code keras_tensor_12}, {@code output_0} …)
 * @param tensorName the graph tensor behind it ({@code serving_default_x:0})
 * @param dtype its type
 * @param shape its dimensions, {@code -1} where unknown; {@code null} when the rank itself is unknown
 */
public record TensorSpec(String key, String tensorName, DataType dtype, long[] shape) {

  public boolean rankKnown() {
    return shape != null;
  }

  /** Whether dimension 0 is variable, i.e. a batch dimension (known rank ≥ 1 and size -1 there). */
  public boolean batched() {
    return shape != null && shape.length > 0 && shape[0] < 0;
  }

  /** Whether a tensor of {@code actual} shape fits: same rank, equal wherever this spec fixes a size. */
  public boolean accepts(long[] actual) {
    if (shape == null) {
      return true;
    }
    if (actual.length != shape.length) {
      return false;
    }
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] >= 0 && shape[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }

  /** The shape as {@code saved_model_cli} prints it: {@code (-1, 784)}, or {@code unknown_rank}. */
  public String shapeText() {
    if (shape == null) {
      return "unknown_rank";
    }
    StringBuilder b = new StringBuilder("(");
    for (int i = 0; i < shape.length; i++) {
      b.append(i == 0 ? "" : ", ").append(shape[i]);
    }
    return b.append(shape.length == 1 ? ",)" : ")").toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec t && key.equals(t.key) && tensorName.equals(t.tensorName) && dtype == t.dtype
        && Arrays.equals(shape, t.shape);
  }

  @Override
  public int hashCode() {
    return key.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return key + ": " + dtype + " " + shapeText();
  }
}
