package io.aebridge.serve;

/**
 * A request that cannot be answered, with the canonical status code that decides its HTTP status (TF Serving's
 * mapping). Handlers throw it; {@link HttpErrors} turns it into {@code {"error": "…"}} in one place.
 */
public final class ApiException extends RuntimeException {

  /** Canonical status codes (google.rpc / TF Serving) with their HTTP status. */
  public enum Code {
    INVALID_ARGUMENT(400),
    FAILED_PRECONDITION(400),
    OUT_OF_RANGE(400),
    UNAUTHENTICATED(401),
    PERMISSION_DENIED(403),
    NOT_FOUND(404),
    ALREADY_EXISTS(409),
    ABORTED(409),
    PAYLOAD_TOO_LARGE(413),
    UNSUPPORTED_MEDIA_TYPE(415),
    RESOURCE_EXHAUSTED(429),
    UNKNOWN(500),
    INTERNAL(500),
    UNIMPLEMENTED(501),
    /** The server could not write what it was sent (disk full, read-only models folder): HTTP 507. */
    INSUFFICIENT_STORAGE(507),
    UNAVAILABLE(503),
    DEADLINE_EXCEEDED(504);

    private final int httpStatus;

    Code(int httpStatus) {
      this.httpStatus = httpStatus;
    }

    public int httpStatus() {
      return httpStatus;
    }
  }

  private final Code code;

  public ApiException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public ApiException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  public int httpStatus() {
    return code.httpStatus();
  }

  static ApiException invalid(String message) {
    return new ApiException(Code.INVALID_ARGUMENT, message);
  }

  static ApiException notFound(String message) {
    return new ApiException(Code.NOT_FOUND, message);
  }
}
