package io.aebridge.graph;

/**
 * The graph op names behind an autoencoder's signature tensors. The signature keys and tensor names themselves are
 * {@link io.aebridge.spec.SignatureNames}, shared with the loader and the server.
 */
public final class Endpoints {
  private Endpoints() {}

  /** Graph op names behind the signature tensors. */
  static final String INPUT_OP = "x";
  static final String CODE_OP = "code";
  static final String RECONSTRUCTION_OP = "reconstruction";
  static final String CODE_INPUT_OP = "code_input";
  static final String DECODED_OP = "decoded";
}
