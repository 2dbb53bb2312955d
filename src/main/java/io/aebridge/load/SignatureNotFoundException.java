package io.aebridge.load;

import java.util.List;

/** A signature key the model does not have; the message lists the ones it has. */
public final class SignatureNotFoundException extends IllegalArgumentException {
  private final List<String> available;

  public SignatureNotFoundException(String requested, String model, List<String> available) {
    super("Model " + model + " has no signature '" + requested + "'; its signatures are " + available);
    this.available = List.copyOf(available);
  }

  public List<String> available() {
    return available;
  }
}
