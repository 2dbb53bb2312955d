package io.aebridge.serve.grpc;

import io.aebridge.serve.core.ServingCore;
import java.util.List;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;

/**
 * What the model server gives its gRPC front-ends besides the {@link ServingCore}: model states, readiness, the
 * management operations and their token, and metrics. Implementations are thread-safe.
 */
public interface GrpcHost {

  /** The serving core every inference runs through. */
  ServingCore core();

  /** Whether the first scan of the models folder is done and nothing is still loading. */
  boolean ready();

  /**
   * The state of every version of {@code model}, newest first.
   *
   * @throws io.aebridge.serve.core.ServingException NOT_FOUND naming the models that exist
   */
  List<VersionState> status(String model);

  /** Whether a management token is configured (else management calls are refused). */
  boolean managementEnabled();

  /** Whether {@code token} is the management token (compared in constant time); false when none is set. */
  boolean authorized(String token);

  /**
   * Serves {@code model} (again) and loads what its folder holds; management.
   *
   * @throws io.aebridge.serve.core.ServingException NOT_FOUND when there is no such model folder
   */
  List<VersionState> load(String model);

  /**
   * Stops serving {@code model}; its files stay. Management.
   *
   * @throws io.aebridge.serve.core.ServingException NOT_FOUND for an unknown model
   */
  void unload(String model);

  /**
   * Serves exactly the models of {@code config}'s {@code model_config_list} (TF Serving's
   * {@code HandleReloadConfigRequest}): each from its {@code base_path} with its version policy and labels; models
   * not listed are unloaded. Returns once the loads the change causes have finished. Management.
   *
   * @throws io.aebridge.serve.core.ServingException INVALID_ARGUMENT naming the field of a config the server cannot
   *     serve; NOT_FOUND naming a base path that does not exist; FAILED_PRECONDITION naming a label on a version that
   *     would not be served (nothing changed in these three cases); UNKNOWN naming the models new to the server
   *     that did not become available (the new list is in force)
   */
  void reloadConfig(ModelServerConfig config);

  /**
   * The serving settings of {@code model} that Triton's model configuration reports (its {@code ModelConfig}
   * call), from the server's configuration as REST's {@code /v2/models/{m}/config} reads them.
   */
  ModelSettings settings(String model);

  /** Records one finished call: the model (empty if none), the full method name, the status code name. */
  void recordCall(String model, String method, String code, long nanos);

  /**
   * One model's serving settings.
   *
   * @param versionPolicy LATEST, ALL or SPECIFIC
   * @param latestCount the number of latest versions served under LATEST
   * @param specificVersions the versions served under SPECIFIC, ascending; empty otherwise
   * @param batching whether requests to the model are merged into batches
   * @param preferredBatchSize the most samples one merged batch holds
   * @param maxDelayMicros how long a batch waits for more requests
   */
  record ModelSettings(String versionPolicy, int latestCount, List<Long> specificVersions, boolean batching,
      int preferredBatchSize, long maxDelayMicros) {
    public ModelSettings {
      specificVersions = List.copyOf(specificVersions);
    }
  }

  /**
   * One version's state as TF Serving reports it.
   *
   * @param state UNKNOWN, START, LOADING, AVAILABLE, UNLOADING or END
   * @param errorCode {@code OK} or the canonical code name of a failed load
   */
  record VersionState(long version, String state, String errorCode, String errorMessage) {}
}
