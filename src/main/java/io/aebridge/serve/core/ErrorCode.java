package io.aebridge.serve.core;

/**
 * Why a request was not answered: the one error vocabulary of the server. The canonical codes are google.rpc's
 * (what TF Serving and gRPC use); a few refinements exist because HTTP distinguishes them (a body too large, a media
 * type refused, a disk full), and each names the canonical code a transport without that distinction should use.
 * Transports map this enum once: HTTP in {@code HttpErrors}, gRPC through {@link #canonical()}.
 */
public enum ErrorCode {
  CANCELLED(1),
  UNKNOWN(2),
  INVALID_ARGUMENT(3),
  DEADLINE_EXCEEDED(4),
  NOT_FOUND(5),
  ALREADY_EXISTS(6),
  PERMISSION_DENIED(7),
  RESOURCE_EXHAUSTED(8),
  FAILED_PRECONDITION(9),
  ABORTED(10),
  OUT_OF_RANGE(11),
  UNIMPLEMENTED(12),
  INTERNAL(13),
  UNAVAILABLE(14),
  DATA_LOSS(15),
  UNAUTHENTICATED(16),
  /** A request (body or message) larger than the configured limit; canonically {@link #RESOURCE_EXHAUSTED}. */
  PAYLOAD_TOO_LARGE(8),
  /** A body in an encoding or media type the server does not read; canonically {@link #INVALID_ARGUMENT}. */
  UNSUPPORTED_MEDIA_TYPE(3),
  /** The server could not store what it was sent (disk full, read-only folder); canonically
   * {@link #RESOURCE_EXHAUSTED}. */
  INSUFFICIENT_STORAGE(8);

  private final int rpcCode;

  ErrorCode(int rpcCode) {
    this.rpcCode = rpcCode;
  }

  /** The google.rpc.Code number (e.g. 3 for INVALID_ARGUMENT), as gRPC status and TF Serving's error_code use. */
  public int rpcCode() {
    return rpcCode;
  }

  /** The canonical google.rpc code this one is (itself, or the canonical code a refinement stands for). */
  public ErrorCode canonical() {
    return switch (this) {
      case PAYLOAD_TOO_LARGE, INSUFFICIENT_STORAGE -> RESOURCE_EXHAUSTED;
      case UNSUPPORTED_MEDIA_TYPE -> INVALID_ARGUMENT;
      default -> this;
    };
  }
}
