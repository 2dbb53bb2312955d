package io.aebridge.cli;

import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.ServerConfig.Batching;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import tensorflow.serving.BatchingParametersOuterClass.BatchingParameters;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.MonitoringConfigOuterClass.MonitoringConfig;
import tensorflow.serving.SslConfig.SSLConfig;

/**
 * TF Serving's text-format config files, read with protobuf's own {@link TextFormat} into the classes generated
 * from TF Serving's protos ({@code src/main/proto/tensorflow_serving/config/}), then mapped onto
 * {@link ServerConfig}'s records; the model list itself is converted by
 * {@link io.aebridge.serve.repository.TfServingModels}, which a gRPC reload uses too. What AE Bridge cannot honour
 * is refused by field name, never dropped.
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

  /** Parses {@code file} as a text-format {@code SSLConfig} ({@code --ssl_config_file}). */
  static SSLConfig sslConfig(Path file) throws IOException {
    return parse(file, SSLConfig.newBuilder(), "SSLConfig");
  }

  /**
   * TF Serving's {@code SSLConfig} as the server's TLS: PEM text in the file (not paths), gRPC only as TF Serving
   * (its REST port stays plain text), client certificates required against {@code custom_ca} when
   * {@code client_verify} is set and not asked for otherwise.
   *
   * @throws IllegalArgumentException naming the file and the field that is missing or wrong
   */
  static ServerConfig.Tls tls(SSLConfig c, String source) {
    if (c.getServerCert().isBlank() || c.getServerKey().isBlank()) {
      throw new IllegalArgumentException(source + ": an SSLConfig needs server_cert and server_key (PEM text)");
    }
    if (c.getClientVerify() && c.getCustomCa().isBlank()) {
      throw new IllegalArgumentException(source + ": client_verify: true needs custom_ca (the PEM CA certificates "
          + "that sign client certificates)");
    }
    try {
      return new ServerConfig.Tls(new ServerConfig.Tls.Pem(source + " server_cert", c.getServerCert()),
          new ServerConfig.Tls.Pem(source + " server_key", c.getServerKey()),
          c.getCustomCa().isBlank() ? null : new ServerConfig.Tls.Pem(source + " custom_ca", c.getCustomCa()),
          c.getClientVerify() ? ServerConfig.Tls.ClientAuth.REQUIRE : ServerConfig.Tls.ClientAuth.NONE,
          ServerConfig.Tls.Ports.GRPC);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--ssl_config_file: " + e.getMessage(), e);
    }
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
