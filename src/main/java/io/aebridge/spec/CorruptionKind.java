package io.aebridge.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a denoising autoencoder corrupts its input each batch; the clean input stays the target. */
public enum CorruptionKind {
  /** Adds {@code amount}·N(0,1) noise and clips to the data's range. */
  GAUSSIAN,
  /** Sets a random {@code amount} fraction of values to 0. */
  MASKING,
  /** Sets a random {@code amount} fraction of values to the minimum or maximum, half each. */
  SALT_AND_PEPPER;

  @JsonValue
  public String jsonName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static CorruptionKind parse(String text) {
    return Activation.Names.parse(CorruptionKind.class, "corruption.type", text);
  }
}
