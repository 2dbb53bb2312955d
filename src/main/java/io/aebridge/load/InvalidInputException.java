package io.aebridge.load;

/** Inputs that do not match a signature: missing or unknown names, wrong dtype or shape. Names expected vs got. */
public final class InvalidInputException extends IllegalArgumentException {
  public InvalidInputException(String message) {
    super(message);
  }
}
