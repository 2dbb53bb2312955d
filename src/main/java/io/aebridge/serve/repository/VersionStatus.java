package io.aebridge.serve.repository;

/**
 * The state of one version as TF Serving reports it.
 *
 * @param version the version number
 * @param state UNKNOWN, START, LOADING, AVAILABLE, UNLOADING or END
 * @param errorCode {@code OK}, or the canonical code of a failed load ({@code UNKNOWN}, {@code FAILED_PRECONDITION}…)
 * @param errorMessage empty, or why the version is not served
 */
public record VersionStatus(long version, State state, String errorCode, String errorMessage) {

  /** TF Serving's {@code ModelVersionStatus.State}. */
  public enum State { UNKNOWN, START, LOADING, AVAILABLE, UNLOADING, END }

  public boolean failed() {
    return !"OK".equals(errorCode);
  }
}
