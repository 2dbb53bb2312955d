package io.aebridge.serve;

import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;

/**
 * A {@link ServingException} thrown by the HTTP side of the server. Kept so the classes that throw it need not
 * change at once; new code throws {@link ServingException} with an {@link ErrorCode}. {@link HttpErrors} maps both
 * to HTTP statuses in one place.
 */
public final class ApiException extends ServingException {

  /**
   * The codes under their old names: each constant is the {@link ErrorCode} of the same name (transitional, so
   * {@code ApiException.Code.NOT_FOUND} and {@code ErrorCode.NOT_FOUND} are one value).
   */
  public static final class Code {
    public static final ErrorCode INVALID_ARGUMENT = ErrorCode.INVALID_ARGUMENT;
    public static final ErrorCode FAILED_PRECONDITION = ErrorCode.FAILED_PRECONDITION;
    public static final ErrorCode OUT_OF_RANGE = ErrorCode.OUT_OF_RANGE;
    public static final ErrorCode UNAUTHENTICATED = ErrorCode.UNAUTHENTICATED;
    public static final ErrorCode PERMISSION_DENIED = ErrorCode.PERMISSION_DENIED;
    public static final ErrorCode NOT_FOUND = ErrorCode.NOT_FOUND;
    public static final ErrorCode ALREADY_EXISTS = ErrorCode.ALREADY_EXISTS;
    public static final ErrorCode ABORTED = ErrorCode.ABORTED;
    public static final ErrorCode PAYLOAD_TOO_LARGE = ErrorCode.PAYLOAD_TOO_LARGE;
    public static final ErrorCode UNSUPPORTED_MEDIA_TYPE = ErrorCode.UNSUPPORTED_MEDIA_TYPE;
    public static final ErrorCode RESOURCE_EXHAUSTED = ErrorCode.RESOURCE_EXHAUSTED;
    public static final ErrorCode UNKNOWN = ErrorCode.UNKNOWN;
    public static final ErrorCode INTERNAL = ErrorCode.INTERNAL;
    public static final ErrorCode UNIMPLEMENTED = ErrorCode.UNIMPLEMENTED;
    public static final ErrorCode INSUFFICIENT_STORAGE = ErrorCode.INSUFFICIENT_STORAGE;
    public static final ErrorCode UNAVAILABLE = ErrorCode.UNAVAILABLE;
    public static final ErrorCode DEADLINE_EXCEEDED = ErrorCode.DEADLINE_EXCEEDED;

    private Code() {}
  }

  public ApiException(ErrorCode code, String message) {
    super(code, message);
  }

  public ApiException(ErrorCode code, String message, Throwable cause) {
    super(code, message, cause);
  }

  /** The HTTP status of this error ({@link HttpErrors#status}). */
  public int httpStatus() {
    return HttpErrors.status(code());
  }

  public static ApiException invalid(String message) {
    return new ApiException(ErrorCode.INVALID_ARGUMENT, message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(ErrorCode.NOT_FOUND, message);
  }
}
