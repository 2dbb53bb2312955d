package io.aebridge.spec;

/**
 * The signature keys and tensor names every autoencoder SavedModel of this project exposes, defined once for the
 * graph builder and exporter (which write them) and the loader and server (which read them, without depending on
 * the graph code).
 *
 * <table>
 *   <caption>Signatures</caption>
 *   <tr><th>key</th><th>input</th><th>output</th></tr>
 *   <tr><td>{@value #SERVING_DEFAULT}</td><td>{@value #INPUT} float32 [-1, …input]</td>
 *       <td>{@value #RECONSTRUCTION} float32 [-1, …input]</td></tr>
 *   <tr><td>{@value #ENCODE}</td><td>{@value #INPUT} float32 [-1, …input]</td><td>{@value #CODE} float32 [-1, …code]</td></tr>
 *   <tr><td>{@value #DECODE}</td><td>{@value #CODE} float32 [-1, …code]</td>
 *       <td>{@value #RECONSTRUCTION} float32 [-1, …input]</td></tr>
 * </table>
 *
 * <p>"…input" is {@code [height·width·channels]} for dense kinds and {@code [height, width, channels]} for the
 * convolutional kind; "…code" is {@code [codeSize]} or {@code [h, w, codeSize]}.
 */
public final class SignatureNames {
  private SignatureNames() {}

  /** TF Serving's default signature key (the one a request naming none runs): input → reconstruction. */
  public static final String SERVING_DEFAULT = "serving_default";
  /** Input → code. */
  public static final String ENCODE = "encode";
  /** Code → reconstruction. */
  public static final String DECODE = "decode";

  /** Signature input name of the sample batch. */
  public static final String INPUT = "x";
  /** Signature name of the code (output of encode, input of decode). */
  public static final String CODE = "code";
  /** Signature output name of the reconstruction. */
  public static final String RECONSTRUCTION = "reconstruction";

  /** The method name TF Serving expects in a predict signature. */
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";
}
