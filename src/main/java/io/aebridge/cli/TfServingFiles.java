package io.aebridge.cli;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.ServerConfig.Batching;
import io.aebridge.serve.ServerConfig.ModelSettings;
import io.aebridge.serve.repository.VersionPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tensorflow.serving.BatchingParametersOuterClass.BatchingParameters;
import tensorflow.serving.FileSystemStoragePathSource.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelType;
import tensorflow.serving.MonitoringConfigOuterClass.MonitoringConfig;

/**
 * TF Serving's text-format config files, read with protobuf's own {@link TextFormat} into the classes generated
 * from TF Serving's protos ({@code src/main/proto/tensorflow_serving/config/}), then mapped onto
 * {@link ServerConfig}'s records. What AE Bridge cannot honour is refused by field name, never dropped.
 */
final class TfServingFiles {
  /** Where TF Serving exposes Prometheus metrics when the monitoring config names no path. */
  static final String DEFAULT_PROMETHEUS_PATH = "/monitoring/prometheus/metrics";

  private TfServingFiles() {}

  /** Parses {@code file} as a text-format {@code ModelServerConfig} ({@code --model_config_file}). */
  static ModelServerConfig modelServerConfig(Path file) throws IOException {
    return parse(file, ModelServerConfig.newBuilder(), "ModelServerConfig");
  }

  /** Parses {@code file} as a text-format {@code BatchingParameters} ({@code --batching_parameters_file}). */
  static BatchingParameters batchingParameters(Path file) throws IOException {
    return parse(file, BatchingParameters.newBuilder(), "BatchingParameters");
  }

  /** Parses {@code file} as a text-format {@code MonitoringConfig} ({@code --monitoring_config_file}). */
  static MonitoringConfig monitoringConfig(Path file) throws IOException {
    return parse(file, MonitoringConfig.newBuilder(), "MonitoringConfig");
  }

  @SuppressWarnings("unchecked")
  private static <M extends Message> M parse(Path file, Message.Builder builder, String type) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(file + ": no such file (expected a text-format " + type + ")", e);
    }
    try {
      TextFormat.getParser().merge(text, builder);
    } catch (TextFormat.ParseException e) {
      // The parser's message starts with "line:column:", which is what a user needs to find the mistake.
      throw new IllegalArgumentException(file + ": not a valid text-format " + type + ": " + e.getMessage(), e);
    }
    return (M) builder.build();
  }

  /**
   * The models of a {@code ModelServerConfig}: name → settings with the model's own base path, version policy
   * and labels. Relative base paths are taken from the working directory, as TF Serving does.
   *
   * @throws IllegalArgumentException naming the model and field that AE Bridge does not support or that is wrong
   */
  static Map<String, ModelSettings> models(ModelServerConfig config, String source) {
    switch (config.getConfigCase()) {
      case CUSTOM_MODEL_CONFIG -> throw new IllegalArgumentException(source + ": custom_model_config is not "
          + "supported (TF Serving's own server refuses it too); use model_config_list");
      case CONFIG_NOT_SET -> throw new IllegalArgumentException(source + ": lists no model (expected "
          + "model_config_list { config { name: \"...\" base_path: \"...\" } })");
      default -> { }
    }
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
      if (m.getBasePath().isBlank()) {
        throw new IllegalArgumentException(where + ": base_path is required (the folder holding the model's "
            + "version folders, e.g. /models/" + m.getName() + ")");
      }
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
      try {
        models.put(m.getName(), new ModelSettings(versionPolicy(m.getModelVersionPolicy()),
            Map.copyOf(m.getVersionLabelsMap()), null, Path.of(m.getBasePath())));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    if (models.isEmpty()) {
      throw new IllegalArgumentException(source + ": model_config_list lists no model");
    }
    return models;
  }

  /** TF Serving's {@code ServableVersionPolicy}; unset is the latest version, as there. */
  static VersionPolicy versionPolicy(ServableVersionPolicy p) {
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

  /**
   * {@code BatchingParameters} on top of AE Bridge's batching defaults: {@code max_batch_size} →
   * {@code maxBatchSize}, {@code batch_timeout_micros} → {@code maxDelayMicros}, {@code num_batch_threads} →
   * {@code threads}, {@code max_enqueued_batches} → {@code maxQueuedRequests} = batches × max batch size (a queued
   * batch holds at most that many requests). {@code thread_pool_name} only names TF Serving's pool and is accepted;
   * {@code allowed_batch_sizes} and {@code pad_variable_length_inputs} are refused (AE Bridge neither pads batches
   * to fixed sizes nor pads ragged inputs).
   */
  static Batching batching(BatchingParameters p, String source) {
    if (p.getAllowedBatchSizesCount() > 0) {
      throw new IllegalArgumentException(source + ": allowed_batch_sizes is not supported (AE Bridge runs a batch "
          + "at the size it has, up to max_batch_size); remove it");
    }
    if (p.getPadVariableLengthInputs()) {
      throw new IllegalArgumentException(source + ": pad_variable_length_inputs is not supported; remove it");
    }
    Batching d = Batching.defaults();
    int maxBatch = p.hasMaxBatchSize() ? toInt(source, "max_batch_size", p.getMaxBatchSize().getValue())
        : d.maxBatchSize();
    long delay = p.hasBatchTimeoutMicros() ? p.getBatchTimeoutMicros().getValue() : d.maxDelayMicros();
    int queued = p.hasMaxEnqueuedBatches()
        ? toInt(source, "max_enqueued_batches × max_batch_size",
            Math.multiplyExact(p.getMaxEnqueuedBatches().getValue(), (long) maxBatch))
        : d.maxQueuedRequests();
    int threads = p.hasNumBatchThreads() ? toInt(source, "num_batch_threads", p.getNumBatchThreads().getValue())
        : d.threads();
    try {
      return new Batching(true, maxBatch, delay, queued, threads);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage() + " (from BatchingParameters: "
          + TextFormat.shortDebugString(p) + ")", e);
    }
  }

  private static int toInt(String source, String field, long v) {
    if (v < 1 || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(source + ": " + field + " must lie in [1, " + Integer.MAX_VALUE
          + "], found " + v);
    }
    return (int) v;
  }

  /** The Prometheus path a {@code MonitoringConfig} turns on, or {@code null} when it does not enable it. */
  static String metricsPath(MonitoringConfig c) {
    if (!c.getPrometheusConfig().getEnable()) {
      return null;
    }
    String path = c.getPrometheusConfig().getPath();
    return path.isEmpty() ? DEFAULT_PROMETHEUS_PATH : path;
  }
}
