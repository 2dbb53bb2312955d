package io.aebridge.spec;

/**
 * A model or training specification that breaks a rule. The message names the field, the value found and the rule,
 * e.g. {@code codeSize: must be positive, found 0}.
 */
public final class SpecException extends IllegalArgumentException {
  private final String field;

  public SpecException(String field, Object value, String rule) {
    super(field + ": " + rule + ", found " + render(value));
    this.field = field;
  }

  private SpecException(String field, Throwable cause, String fullMessage) {
    super(fullMessage, cause);
    this.field = field;
  }

  /** For errors that are not about a single value, such as a malformed JSON document. */
  public static SpecException withMessage(String field, String message, Throwable cause) {
    return new SpecException(field, cause, field.isEmpty() ? message : field + ": " + message);
  }

  /** The JSON path of the offending field, e.g. {@code training.batchSize}. */
  public String field() {
    return field;
  }

  private static String render(Object value) {
    if (value instanceof String s) {
      return "\"" + s + "\"";
    }
    return String.valueOf(value);
  }
}
