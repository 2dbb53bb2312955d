package io.aebridge.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Reconstruction loss: {@code auto} picks binary cross-entropy when every training value lies in [0,1], else MSE. */
public enum LossKind {
  /** Mean squared error per value. */
  MSE,
  /** Binary cross-entropy per value, computed from logits (the output sigmoid folded in) for stability. */
  BCE,
  /** BCE when the training inputs and targets lie in [0,1], else MSE; resolved once the data is known. */
  AUTO;

  @JsonValue
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static LossKind parse(String text) {
    return Activation.Names.parse(LossKind.class, "loss", text);
  }
}
