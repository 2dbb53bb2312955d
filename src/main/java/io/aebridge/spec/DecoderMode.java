package io.aebridge.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a convolutional decoder grows the code back to the input size. */
public enum DecoderMode {
  /** Nearest-neighbour upsampling ×pool followed by a same-padded convolution (the Keras tutorial). */
  UPSAMPLE,
  /** A strided transposed convolution (keras-io's Conv2DTranspose). */
  TRANSPOSE;

  @JsonValue
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static DecoderMode parse(String text) {
    return Activation.Names.parse(DecoderMode.class, "conv.decoder", text);
  }
}
