package io.aebridge.spec;

import java.util.List;

/** Validation helpers shared by the spec records; each failure names field, value and rule. */
final class Checks {
  private Checks() {}

  static int positive(String field, int value) {
    if (value <= 0) {
      throw new SpecException(field, value, "must be positive");
    }
    return value;
  }

  static double nonNegative(String field, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new SpecException(field, value, "must be a finite number ≥ 0");
    }
    return value;
  }

  static double positive(String field, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new SpecException(field, value, "must be a finite number > 0");
    }
    return value;
  }

  static double openUnit(String field, double value) {
    if (!(value > 0 && value < 1)) {
      throw new SpecException(field, value, "must lie strictly between 0 and 1");
    }
    return value;
  }

  static <T> T required(String field, T value) {
    if (value == null) {
      throw new SpecException(field, null, "is required");
    }
    return value;
  }

  static List<Integer> positiveSizes(String field, List<Integer> sizes) {
    if (sizes == null) {
      return List.of();
    }
    for (int i = 0; i < sizes.size(); i++) {
      Integer size = sizes.get(i);
      if (size == null || size <= 0) {
        throw new SpecException(field + "[" + i + "]", size, "must be a positive number of units");
      }
    }
    return List.copyOf(sizes);
  }
}
