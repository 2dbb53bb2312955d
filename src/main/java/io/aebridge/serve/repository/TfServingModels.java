package io.aebridge.serve.repository;

import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.ServerConfig.ModelSettings;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tensorflow.serving.FileSystemStoragePathSource.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelType;

/**
 * TF Serving's {@code ModelServerConfig} (its {@code model_config_list}) as the model list the
 * {@link ModelRepository} serves: name → {@link ModelSettings} with the model's base path, version policy and
 * labels. One conversion for both places such a config comes from: the {@code --model_config_file} of
 * {@code aebridge tfserving} ({@link #fromFile}) and a gRPC {@code HandleReloadConfigRequest} ({@link #forReload}).
 * What AE Bridge cannot honour is refused by field name, never dropped. Stateless.
 */
public final class TfServingModels {
  /** How a reload's errors name the config they are about. */
  static final String RELOAD_SOURCE = "ReloadConfigRequest.config";

  private TfServingModels() {}

  /**
   * The models of a config file. Relative base paths are taken from the working directory, as TF Serving does
   * for its config file.
   *
   * @param source the file as the user named it, for messages
   * @throws IllegalArgumentException naming the model and field that AE Bridge does not support or that is wrong
   */
  public static Map<String, ModelSettings> fromFile(ModelServerConfig config, String source) {
    return models(config, source, null, false);
  }

  /**
   * The models of a reload's config, to replace {@code current}'s model list. As TF Serving, a base path must be
   * absolute; an empty one means {@code <modelsRoot>/<name>} when the server has a models root (an AE Bridge
   * extension for {@code aebridge serve --models ROOT}), and is refused otherwise. A model keeps the batching
   * {@code current} gives it by name, since a {@code ModelServerConfig} has no per-model batching.
   *
   * @throws IllegalArgumentException naming the model and field that AE Bridge does not support or that is wrong
   */
  public static Map<String, ModelSettings> forReload(ModelServerConfig config, ServerConfig current) {
    return models(config, RELOAD_SOURCE, current, true);
  }

  // model_type is deprecated in TF Serving's proto; it is read only to refuse OTHER, which old configs still carry.
  @SuppressWarnings("deprecation")
  private static Map<String, ModelSettings> models(ModelServerConfig config, String source, ServerConfig current,
      boolean absoluteOnly) {
    switch (config.getConfigCase()) {
      case CUSTOM_MODEL_CONFIG -> throw new IllegalArgumentException(source + ": custom_model_config is not "
          + "supported (TF Serving's own server refuses it too); use model_config_list");
      case CONFIG_NOT_SET -> throw new IllegalArgumentException(source + ": lists no model (expected "
          + "model_config_list { config { name: \"...\" base_path: \"...\" } })");
      default -> { }
    }
    boolean hasRoot = current != null && current.modelsRoot() != null;
    Map<String, ModelSettings> models = new LinkedHashMap<>();
    int index = 0;
    for (ModelConfig m : config.getModelConfigList().getConfigList()) {
      index++;
      String where = source + ": model_config_list config #" + index
          + (m.getName().isEmpty() ? "" : " ('" + m.getName() + "')");
      if (!ServerConfig.validModelName(m.getName())) {
        throw new IllegalArgumentException(where + ": name must be a model name ([A-Za-z0-9._-], 1–100 "
            + "characters, not starting with '.'), found '" + m.getName() + "'");
      }
      if (models.containsKey(m.getName())) {
        throw new IllegalArgumentException(where + ": the name '" + m.getName() + "' is listed twice");
      }
      Path basePath = basePath(m, where, hasRoot, absoluteOnly);
      if (!m.getModelPlatform().isEmpty() && !m.getModelPlatform().equals("tensorflow")) {
        throw new IllegalArgumentException(where + ": model_platform '" + m.getModelPlatform()
            + "' is not supported; AE Bridge serves \"tensorflow\" SavedModels");
      }
      if (m.getModelType() == ModelType.OTHER) {
        throw new IllegalArgumentException(where + ": model_type OTHER is not supported (TENSORFLOW only)");
      }
      if (m.hasLoggingConfig()) {
        throw new IllegalArgumentException(where + ": logging_config (request logging) is not supported by AE "
            + "Bridge; remove it");
      }
      ModelSettings before = current == null ? null : current.models().get(m.getName());
      try {
        models.put(m.getName(), new ModelSettings(versionPolicy(m.getModelVersionPolicy()),
            Map.copyOf(m.getVersionLabelsMap()), before == null ? null : before.batching(), basePath));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    if (models.isEmpty()) {
      throw new IllegalArgumentException(source + ": model_config_list lists no model");
    }
    return models;
  }

  /** The model's folder, or {@code null} for {@code <modelsRoot>/<name>}. */
  private static Path basePath(ModelConfig m, String where, boolean hasRoot, boolean absoluteOnly) {
    if (m.getBasePath().isBlank()) {
      if (hasRoot) {
        return null;
      }
      throw new IllegalArgumentException(where + ": base_path is required (the folder holding the model's "
          + "version folders, e.g. /models/" + m.getName() + ")");
    }
    Path path;
    try {
      path = Path.of(m.getBasePath());
    } catch (java.nio.file.InvalidPathException e) {
      throw new IllegalArgumentException(where + ": base_path '" + m.getBasePath() + "' is not a path: "
          + e.getReason(), e);
    }
    if (absoluteOnly && !path.isAbsolute()) {
      throw new IllegalArgumentException(where + ": base_path must be an absolute path, as TF Serving requires, "
          + "found '" + m.getBasePath() + "'" + (hasRoot ? " (leave it empty for <models root>/" + m.getName()
          + ")" : ""));
    }
    return path;
  }

  /** TF Serving's {@code ServableVersionPolicy}; unset is the latest version, as there. */
  public static VersionPolicy versionPolicy(ServableVersionPolicy p) {
    return switch (p.getPolicyChoiceCase()) {
      case LATEST -> VersionPolicy.latest(Math.max(1, p.getLatest().getNumVersions()));
      case ALL -> VersionPolicy.all();
      case SPECIFIC -> {
        if (p.getSpecific().getVersionsCount() == 0) {
          throw new IllegalArgumentException("model_version_policy specific lists no version");
        }
        yield VersionPolicy.specific(p.getSpecific().getVersionsList().stream().mapToLong(Long::longValue)
            .toArray());
      }
      case POLICYCHOICE_NOT_SET -> VersionPolicy.latest();
    };
  }
}
