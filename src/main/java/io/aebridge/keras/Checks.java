package io.aebridge.keras;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.Locale;

/** Validation shared by the layer config records; messages name the field and the value found. */
final class Checks {
  private Checks() {}

  static void positive(String field, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive, found " + value);
    }
  }

  /** A two-element positive tuple ({@code 3} stands for {@code [3, 3]}); {@code fallback} when absent. */
  static int[] pair(String field, int[] value, int[] fallback) {
    if (value == null) {
      if (fallback == null) {
        throw new IllegalArgumentException(field + " is missing");
      }
      return fallback.clone();
    }
    int[] v = value.length == 1 ? new int[] {value[0], value[0]} : value.clone();
    if (v.length != 2) {
      throw new IllegalArgumentException(field + " must have 2 values (height, width), found "
          + Arrays.toString(value));
    }
    for (int d : v) {
      if (d <= 0 && !field.equals("output_padding") || d < 0) {
        throw new IllegalArgumentException(field + " must be positive, found " + Arrays.toString(value));
      }
    }
    return v;
  }

  static String padding(String padding) {
    String p = padding == null ? "valid" : padding.toLowerCase(Locale.ROOT);
    if (!p.equals("valid") && !p.equals("same")) {
      throw new IllegalArgumentException("padding '" + padding + "' is not supported (supported: valid, same)");
    }
    return p;
  }

  /**
   * An activation as Keras writes it: a name ({@code "relu"}), or a serialized function object whose
   * {@code config} is the name. Absent means linear.
   */
  static KerasActivation activation(JsonNode node) {
    if (node == null || node.isNull()) {
      return KerasActivation.LINEAR;
    }
    String name;
    if (node.isTextual()) {
      name = node.asText();
    } else if (node.isObject() && node.path("config").isTextual()) {
      name = node.path("config").asText();
    } else {
      throw new IllegalArgumentException("activation " + node + " is not supported (supported: "
          + KerasActivation.supportedNames() + ")");
    }
    KerasActivation a = KerasActivation.byName(name);
    if (a == null) {
      throw new IllegalArgumentException("activation '" + name + "' is not supported (supported: "
          + KerasActivation.supportedNames() + ")");
    }
    return a;
  }
}
