package io.aebridge.graph;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Trained variable values by graph name ({@code encoder_dense0_kernel} …), in creation order. Plain Java arrays:
 * no native memory, safe to keep after the training graph is closed. Immutable once built; the arrays are not
 * copied on read, so callers must not modify them.
 */
public final class ModelWeights {
  /** One variable's value, row-major. */
  public record Tensor(long[] shape, float[] values) {
    public Tensor {
      Objects.requireNonNull(shape, "shape");
      Objects.requireNonNull(values, "values");
      long size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
      if (size != values.length) {
        throw new IllegalArgumentException(
            "Shape " + Arrays.toString(shape) + " holds " + size + " values, found " + values.length);
      }
    }
  }

  private final Map<String, Tensor> byName;

  public ModelWeights(Map<String, Tensor> byName) {
    this.byName = Collections.unmodifiableMap(new LinkedHashMap<>(byName));
  }

  public Map<String, Tensor> byName() {
    return byName;
  }

  /** The value of variable {@code name}. */
  public Tensor get(String name) {
    Tensor t = byName.get(name);
    if (t == null) {
      throw new IllegalArgumentException("No variable '" + name + "'; variables are " + byName.keySet());
    }
    return t;
  }

  /** Total number of trainable values. */
  public long parameterCount() {
    return byName.values().stream().mapToLong(t -> t.values().length).sum();
  }
}
