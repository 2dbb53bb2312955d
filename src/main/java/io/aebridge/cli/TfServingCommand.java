package io.aebridge.cli;

import io.aebridge.serve.ModelServer;
import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.ServerConfig.Batching;
import io.aebridge.serve.ServerConfig.ModelSettings;
import io.aebridge.serve.ServerConfig.SessionThreads;
import io.aebridge.serve.repository.TfServingModels;
import io.aebridge.serve.repository.VersionPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code aebridge tfserving}: TF Serving's {@code tensorflow_model_server} command line — its flags, their meanings
 * and defaults — mapped onto {@link ServerConfig}. Flags it does not support are refused by name.
 */
@Command(name = "tfserving",
    description = {
        "Serve models as tensorflow_model_server does, with its flags, their meanings and defaults, so a script, "
            + "image or manifest written for TF Serving works unchanged (deploy/bin/tensorflow_model_server runs "
            + "this command). Note: here --port is the gRPC port and --rest_api_port the REST port (0 = no REST, "
            + "TF Serving's default), while `aebridge serve --port` is REST. Both --flag=value and --flag value "
            + "work; booleans also as --enable_batching. A tensorflow_model_server flag not listed here is refused "
            + "by name. As in TF Serving, --model_config_file makes --model_name/--model_base_path unused, the "
            + "server binds every interface (AEBRIDGE_HOST overrides), and batching is off unless "
            + "--enable_batching. AEBRIDGE_* variables for settings without a TF Serving flag (AEBRIDGE_TOKEN, "
            + "AEBRIDGE_MAX_BODY_BYTES, ...) still apply.",
        "",
        "Examples:",
        "  aebridge tfserving --rest_api_port=8501 --model_name=dense --model_base_path=saved-models/dense-784-32",
        "  aebridge tfserving --rest_api_port=8501 --model_config_file=models.config --enable_batching"})
final class TfServingCommand implements Callable<Integer> {
  /** TF Serving's default gRPC port. */
  static final int DEFAULT_GRPC_PORT = 8500;
  /** Whether this build serves gRPC (TF Serving's PredictionService and ModelService, KServe V2). */
  static final boolean GRPC_AVAILABLE = true;

  /** The flags tensorflow_model_server has that this command does not take (so the refusal can say which). */
  static final Set<String> OTHER_TF_SERVING_FLAGS = Set.of("--grpc_socket_path", "--rest_api_num_threads",
      "--rest_api_enable_cors_support", "--allow_version_labels_for_unavailable_models",
      "--enable_per_model_batching_parameters", "--num_load_threads", "--num_unload_threads",
      "--max_num_load_retries", "--load_retry_interval_micros", "--flush_filesystem_caches",
      "--tensorflow_session_parallelism", "--tensorflow_session_config_file", "--use_alts_credentials",
      "--ssl_config_file", "--platform_config_file", "--per_process_gpu_memory_fraction", "--saved_model_tags",
      "--grpc_channel_arguments", "--grpc_max_threads", "--num_request_iterations_for_warmup",
      "--remove_unused_fields_from_bundle_metagraph", "--prefer_tflite_model", "--num_tflite_pools",
      "--num_tflite_interpreters_per_pool", "--enable_signature_method_name_check",
      "--xla_cpu_compilation_enabled", "--enable_profiler", "--thread_pool_factory_config_file");

  @Spec CommandSpec spec;

  @Option(names = "--port", paramLabel = "N", defaultValue = "" + DEFAULT_GRPC_PORT,
      description = "gRPC port (0 = no gRPC). Default: ${DEFAULT-VALUE}.")
  int port;

  @Option(names = "--rest_api_port", paramLabel = "N", defaultValue = "0",
      description = "REST port (TF Serving REST, OIP V2, the rest of AE Bridge's HTTP API); 0 = no REST. Must "
          + "differ from --port. Default: ${DEFAULT-VALUE}.")
  int restApiPort;

  @Option(names = "--model_name", paramLabel = "NAME", defaultValue = "default",
      description = "Name of the model (unused with --model_config_file). Default: ${DEFAULT-VALUE}.")
  String modelName;

  @Option(names = "--model_base_path", paramLabel = "DIR", defaultValue = "",
      description = "Folder holding the model's version folders (DIR/1/saved_model.pb, ...); required unless "
          + "--model_config_file is given.")
  String modelBasePath;

  @Option(names = "--model_config_file", paramLabel = "FILE", defaultValue = "",
      description = "A text-format ModelServerConfig: model_config_list { config { name, base_path, "
          + "model_platform: \"tensorflow\", model_version_policy { latest | all | specific }, version_labels } }. "
          + "The server serves exactly these models.")
  String modelConfigFile;

  @Option(names = "--model_config_file_poll_wait_seconds", paramLabel = "S", defaultValue = "0",
      description = "Re-read --model_config_file every S seconds and apply what changed without a restart: models "
          + "added are loaded, models removed unloaded (in-flight requests finish), new base paths, version "
          + "policies and labels take effect. A file that does not parse or is not valid is logged and the models "
          + "stay as they are. 0 = read once, at start. Default: ${DEFAULT-VALUE}.")
  long modelConfigPollSeconds;

  @Option(names = "--file_system_poll_wait_seconds", paramLabel = "S", defaultValue = "1",
      description = "Look for new model versions every S seconds; 0 = look once, at start. Default: "
          + "${DEFAULT-VALUE}.")
  long fileSystemPollSeconds;

  @Option(names = "--enable_batching", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      defaultValue = "false", converter = TfBoolean.class,
      description = "Merge concurrent requests into batches. Default: ${DEFAULT-VALUE}.")
  boolean enableBatching;

  @Option(names = "--batching_parameters_file", paramLabel = "FILE", defaultValue = "",
      description = "A text-format BatchingParameters (max_batch_size, batch_timeout_micros, max_enqueued_batches, "
          + "num_batch_threads, thread_pool_name); fields left out keep AE Bridge's batching defaults.")
  String batchingParametersFile;

  @Option(names = "--rest_api_timeout_in_ms", paramLabel = "MS", defaultValue = "30000",
      description = "Deadline of a REST call (then 504). Default: ${DEFAULT-VALUE}.")
  long restApiTimeoutMs;

  @Option(names = "--monitoring_config_file", paramLabel = "FILE", defaultValue = "",
      description = "A text-format MonitoringConfig: prometheus_config { enable: true path: \"...\" } serves the "
          + "Prometheus metrics at that path (default " + TfServingFiles.DEFAULT_PROMETHEUS_PATH + ") on the REST "
          + "port; /metrics is always there.")
  String monitoringConfigFile;

  // TLS (TF Serving's --ssl_config_file): gRPC only, as TF Serving.
  @Option(names = "--ssl_config_file", paramLabel = "FILE", defaultValue = "",
      description = "A text-format SSLConfig (server_key, server_cert, custom_ca: PEM text; client_verify): the "
          + "gRPC port speaks TLS, with client certificates required when client_verify is true.")
  String sslConfigFile;

  @Option(names = "--tensorflow_intra_op_parallelism", paramLabel = "N", defaultValue = "0",
      description = "Threads one TensorFlow op may use; 0 = TensorFlow's choice. Default: ${DEFAULT-VALUE}.")
  long intraOpParallelism;

  @Option(names = "--tensorflow_inter_op_parallelism", paramLabel = "N", defaultValue = "0",
      description = "TensorFlow ops that may run at once; 0 = TensorFlow's choice. Default: ${DEFAULT-VALUE}.")
  long interOpParallelism;

  @Option(names = "--enable_model_warmup", paramLabel = "BOOL", arity = "0..1", fallbackValue = "true",
      defaultValue = "true", converter = TfBoolean.class,
      description = "Run every signature once before a version is served. Default: ${DEFAULT-VALUE}.")
  boolean enableModelWarmup;

  @Unmatched List<String> unmatched = new ArrayList<>();

  /**
   * Lets a flag given twice take its last value, as {@code tensorflow_model_server} does: an image's entrypoint
   * passes {@code --port=8500 --rest_api_port=8501} and a user's {@code docker run IMAGE --rest_api_port=9000}
   * comes after.
   */
  static CommandLine lastValueWins(CommandLine tfserving) {
    return tfserving.setOverwrittenOptionsAllowed(true);
  }

  @Override
  public Integer call() throws Exception {
    ModelServer server = start(System.getenv());
    server.awaitStop();
    return 0;
  }

  /** Starts the server these flags describe; it stops on SIGTERM/Ctrl-C. */
  ModelServer start(Map<String, String> env) throws Exception {
    ServerConfig cfg = toServerConfig(env);
    NativePreload.start();
    ModelServer server = ModelServer.start(cfg);
    server.closeOnShutdown();
    if (modelConfigPollSeconds > 0 && !modelConfigFile.isEmpty()) {
      Path file = Path.of(modelConfigFile);
      server.repository().followModels(
          () -> TfServingModels.fromFile(TfServingFiles.modelServerConfig(file), modelConfigFile),
          Duration.ofSeconds(modelConfigPollSeconds));
    }
    List<String> models = new ArrayList<>(cfg.models().keySet());
    System.out.println("Serving " + models + " (" + describe(cfg) + "): "
        + (server.port() == ServerConfig.HTTP_OFF ? "no REST" : "REST at " + server.baseUrl()) + ", "
        + (server.grpcPort() < 0 ? "no gRPC" : "gRPC on port " + server.grpcPort()) + "  (Ctrl-C or SIGTERM stops)");
    return server;
  }

  private static String describe(ServerConfig cfg) {
    List<String> parts = new ArrayList<>();
    cfg.models().forEach((name, s) -> parts.add(name + " from " + s.basePath()));
    return String.join(", ", parts);
  }

  /**
   * The server config these flags mean: the environment's {@code AEBRIDGE_*} settings first, then every TF Serving
   * flag (given or its default) on top.
   *
   * @throws IllegalArgumentException naming the flag (or file, line and column) that is unsupported or wrong
   */
  ServerConfig toServerConfig(Map<String, String> env) throws java.io.IOException {
    refuseUnmatched();
    checkPort("--port", port);
    checkPort("--rest_api_port", restApiPort);
    if (restApiPort != 0 && restApiPort == port) {
      throw new IllegalArgumentException("--rest_api_port cannot be the same as --port (" + port + "); use a "
          + "different port for REST");
    }
    if (restApiPort == 0 && (port == 0 || !GRPC_AVAILABLE)) {
      throw new IllegalArgumentException("--rest_api_port=0 turns REST off (TF Serving's default) and "
          + (port == 0 ? "--port=0 turns gRPC off" : "gRPC is not available in this build")
          + ": nothing would be served; give --rest_api_port=8501");
    }
    if (modelConfigPollSeconds < 0) {
      throw new IllegalArgumentException("--model_config_file_poll_wait_seconds must be 0 (read once) or more, "
          + "found " + modelConfigPollSeconds);
    }
    if (modelConfigPollSeconds > 0 && modelConfigFile.isEmpty()) {
      System.err.println("tfserving: --model_config_file_poll_wait_seconds=" + modelConfigPollSeconds + " has no "
          + "file to re-read without --model_config_file (as in TF Serving, nothing is polled)");
    }
    if (fileSystemPollSeconds < 0) {
      throw new IllegalArgumentException("--file_system_poll_wait_seconds must be 0 (look once) or more, found "
          + fileSystemPollSeconds + " (TF Serving reserves negative values for its tests)");
    }
    if (restApiTimeoutMs <= 0) {
      throw new IllegalArgumentException("--rest_api_timeout_in_ms must be positive, found " + restApiTimeoutMs);
    }
    int intra = threads("--tensorflow_intra_op_parallelism", intraOpParallelism);
    int inter = threads("--tensorflow_inter_op_parallelism", interOpParallelism);

    Map<String, ModelSettings> models = models();
    Batching batching = Batching.off();
    if (!batchingParametersFile.isEmpty()) {
      // Read and checked even when batching is off, so a broken file is found now rather than when it is enabled.
      Batching fromFile = TfServingFiles.batching(
          TfServingFiles.batchingParameters(Path.of(batchingParametersFile)), batchingParametersFile);
      batching = fromFile.withEnabled(enableBatching);
    } else if (enableBatching) {
      batching = Batching.defaults();
    }
    String metricsPath = monitoringConfigFile.isEmpty() ? null
        : TfServingFiles.metricsPath(TfServingFiles.monitoringConfig(Path.of(monitoringConfigFile)));

    ServerConfig.Builder first = ServerConfig.builder(null);
    models.forEach(first::model);
    ServerConfig.Builder b = first.build().withEnvironment(env).toBuilder();
    // TF Serving serves exactly its configured models, whatever AEBRIDGE_MODELS says.
    b.modelsRoot(null);
    String host = env.get("AEBRIDGE_HOST");
    b.host(host == null || host.isBlank() ? "0.0.0.0" : host.trim());
    b.port(restApiPort == 0 ? ServerConfig.HTTP_OFF : restApiPort);
    b.grpcPort(port);
    b.pollInterval(Duration.ofSeconds(fileSystemPollSeconds));
    b.batching(batching);
    b.requestTimeout(Duration.ofMillis(restApiTimeoutMs));
    b.metricsPath(metricsPath);
    b.sessionThreads(new SessionThreads(intra, inter));
    b.warmup(enableModelWarmup);
    if (!sslConfigFile.isEmpty()) {
      b.tls(TfServingFiles.tls(TfServingFiles.sslConfig(Path.of(sslConfigFile)), sslConfigFile));
    }
    return b.build();
  }

  /** The models: the config file's, else the one of --model_name/--model_base_path. */
  private Map<String, ModelSettings> models() throws java.io.IOException {
    if (!modelConfigFile.isEmpty()) {
      if (given("--model_name") || given("--model_base_path")) {
        System.err.println("tfserving: --model_config_file is given, so --model_name and --model_base_path are "
            + "not used (as in TF Serving)");
      }
      return TfServingModels.fromFile(TfServingFiles.modelServerConfig(Path.of(modelConfigFile)), modelConfigFile);
    }
    if (modelBasePath.isBlank()) {
      throw new IllegalArgumentException("--model_base_path is required (the folder holding the model's version "
          + "folders) unless --model_config_file is given");
    }
    if (!ServerConfig.validModelName(modelName)) {
      throw new IllegalArgumentException("--model_name must be a model name ([A-Za-z0-9._-], 1–100 characters, "
          + "not starting with '.'), found '" + modelName + "'");
    }
    Map<String, ModelSettings> one = new LinkedHashMap<>();
    one.put(modelName, new ModelSettings(VersionPolicy.latest(), Map.of(), null, Path.of(modelBasePath)));
    return one;
  }

  private boolean given(String option) {
    return spec != null && spec.commandLine() != null && spec.commandLine().getParseResult() != null
        && spec.commandLine().getParseResult().hasMatchedOption(option);
  }

  private void refuseUnmatched() {
    if (unmatched.isEmpty()) {
      return;
    }
    String arg = unmatched.get(0);
    String flag = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
    String why;
    if (OTHER_TF_SERVING_FLAGS.contains(flag)) {
      why = flag + " is a tensorflow_model_server flag that AE Bridge does not support";
    } else if (flag.startsWith("-")) {
      why = "unknown flag " + flag;
    } else {
      why = "unexpected argument '" + arg + "' (flags only, as tensorflow_model_server)";
    }
    throw new IllegalArgumentException(why + "; supported: " + supportedFlags());
  }

  /** The flags this command takes, for the refusal message. */
  String supportedFlags() {
    Set<String> names = new TreeSet<>();
    if (spec != null) {
      spec.options().forEach(o -> names.add(o.longestName()));
    }
    return String.join(", ", names);
  }

  private static void checkPort(String flag, int value) {
    if (value < 0 || value > 65535) {
      throw new IllegalArgumentException(flag + " must lie in [0, 65535], found " + value);
    }
  }

  private static int threads(String flag, long value) {
    if (value < 0 || value > 4096) {
      throw new IllegalArgumentException(flag + " must lie in [0, 4096] (0 = TensorFlow's choice), found " + value);
    }
    return (int) value;
  }

  /** TF Serving's booleans: true/false, also 1/0 (tensorflow::Flags accepts both). */
  static final class TfBoolean implements CommandLine.ITypeConverter<Boolean> {
    @Override
    public Boolean convert(String value) {
      return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "true", "1" -> true;
        case "false", "0" -> false;
        default -> throw new CommandLine.TypeConversionException("'" + value + "' is not a boolean (true, false, "
            + "1 or 0)");
      };
    }
  }
}
