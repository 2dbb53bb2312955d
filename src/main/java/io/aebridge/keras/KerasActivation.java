package io.aebridge.keras;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The Keras activations the importer maps to TensorFlow ops, by their Keras names. */
enum KerasActivation {
  LINEAR, RELU, SIGMOID, TANH, SOFTMAX, ELU, SELU, SOFTPLUS, GELU;

  /** The Keras name ({@code relu}, {@code gelu} …). */
  String kerasName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Every supported name, for refusal messages. */
  static String supportedNames() {
    return Arrays.stream(values()).map(KerasActivation::kerasName).collect(Collectors.joining(", "));
  }

  /** The activation called {@code name}, or {@code null} when it is not supported. */
  static KerasActivation byName(String name) {
    for (KerasActivation a : values()) {
      if (a.kerasName().equals(name)) {
        return a;
      }
    }
    return null;
  }
}
