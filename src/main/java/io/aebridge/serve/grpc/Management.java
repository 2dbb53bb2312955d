package io.aebridge.serve.grpc;

import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;

/** The token check of management calls, as REST's management API does it. */
final class Management {
  private Management() {}

  /**
   * @throws ServingException PERMISSION_DENIED when no token is configured, UNAUTHENTICATED when the call did not
   *     bring it (metadata {@code authorization: Bearer <token>})
   */
  static void authorize(GrpcHost host) {
    if (!host.managementEnabled()) {
      throw new ServingException(ErrorCode.PERMISSION_DENIED, "Management is disabled: configure managementToken "
          + "(or AEBRIDGE_TOKEN) to enable it");
    }
    String token = CallContext.token();
    if (token == null || !host.authorized(token)) {
      throw new ServingException(ErrorCode.UNAUTHENTICATED, "Missing or wrong management token (send metadata "
          + "authorization: Bearer <token>)");
    }
  }
}
