package io.aebridge.serve.core;

import java.util.Objects;

/**
 * A request that cannot be answered, with the {@link ErrorCode} that decides its status on every transport and a
 * message for the client saying what was expected. The one exception type of the serving core; transports turn it
 * into their error response in one place.
 */
public class ServingException extends RuntimeException {
  private final ErrorCode code;

  public ServingException(ErrorCode code, String message) {
    super(message);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ServingException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  public ErrorCode code() {
    return code;
  }

  public static ServingException invalid(String message) {
    return new ServingException(ErrorCode.INVALID_ARGUMENT, message);
  }

  public static ServingException notFound(String message) {
    return new ServingException(ErrorCode.NOT_FOUND, message);
  }
}
