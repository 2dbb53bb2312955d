package io.aebridge.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** The autoencoder families. A deep autoencoder is {@link #DENSE} with more layers. */
public enum ModelKind {
  DENSE,
  /** Dense with an activity penalty on the code (L1 and/or KL sparsity). */
  SPARSE,
  /** Dense with the contractive penalty λ‖∂h/∂x‖²_F on a one-layer encoder. */
  CONTRACTIVE,
  /** Convolution and pooling encoder, upsampling or transposed-convolution decoder. */
  CONVOLUTIONAL;

  @JsonValue
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static ModelKind parse(String text) {
    return Activation.Names.parse(ModelKind.class, "kind", text);
  }
}
