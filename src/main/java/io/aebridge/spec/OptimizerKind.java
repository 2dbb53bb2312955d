package io.aebridge.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Gradient-descent optimizers from tensorflow-framework. */
public enum OptimizerKind {
  ADAM,
  SGD,
  MOMENTUM,
  RMSPROP,
  ADADELTA;

  @JsonValue
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static OptimizerKind parse(String text) {
    return Activation.Names.parse(OptimizerKind.class, "optimizer", text);
  }
}
