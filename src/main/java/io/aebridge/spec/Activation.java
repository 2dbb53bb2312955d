package io.aebridge.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Element-wise activation of a layer. JSON names are lower case: {@code relu}, {@code leaky_relu}, … */
public enum Activation {
  RELU,
  SIGMOID,
  TANH,
  ELU,
  /** Leaky ReLU with slope 0.2 for negative inputs (tf.nn.leaky_relu's default). */
  LEAKY_RELU,
  LINEAR;

  @JsonValue
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Activation parse(String text) {
    return Names.parse(Activation.class, "activation", text);
  }

  /** Shared parsing of lower-case JSON enum names with a message listing the allowed values. */
  static final class Names {
    private Names() {}

    static <E extends Enum<E>> E parse(Class<E> type, String field, String text) {
      if (text != null) {
        String wanted = text.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
          if (e.name().equals(wanted)) {
            return e;
          }
        }
      }
      String allowed = Arrays.stream(type.getEnumConstants())
          .map(e -> e.name().toLowerCase(Locale.ROOT))
          .collect(Collectors.joining(", "));
      throw new SpecException(field, text, "must be one of " + allowed);
    }
  }
}
