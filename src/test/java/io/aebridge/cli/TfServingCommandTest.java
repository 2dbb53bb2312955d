package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.ServerConfig.Batching;
import io.aebridge.serve.ServerConfig.ModelSettings;
import io.aebridge.serve.ServerConfig.SessionThreads;
import io.aebridge.serve.repository.VersionPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The flags of {@code aebridge tfserving}, their defaults and refusals, and TF Serving's text-format files. */
class TfServingCommandTest {
  private static final Map<String, String> NO_ENV = Map.of();

  @TempDir Path dir;

  /** Parses {@code args} as picocli does for the command line. */
  static TfServingCommand parse(String... args) {
    TfServingCommand command = new TfServingCommand();
    TfServingCommand.lastValueWins(new CommandLine(command)).parseArgs(args);
    return command;
  }

  static ServerConfig config(String... args) throws Exception {
    return parse(args).toServerConfig(NO_ENV);
  }

  private static String refusal(Map<String, String> env, String... args) {
    return assertThrows(IllegalArgumentException.class, () -> parse(args).toServerConfig(env)).getMessage();
  }

  private static String refusal(String... args) {
    return refusal(NO_ENV, args);
  }

  private static String badValue(String... args) {
    return assertThrows(CommandLine.ParameterException.class, () -> parse(args)).getMessage();
  }

  private Path write(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text);
    return f;
  }

  @Test
  void defaultsAreTfServings() throws Exception {
    TfServingCommand c = parse("--model_base_path=/models/m", "--rest_api_port=8501");
    assertEquals(8500, c.port);
    assertEquals("default", c.modelName);
    assertEquals(0, c.modelConfigPollSeconds);
    assertEquals(1, c.fileSystemPollSeconds);
    assertFalse(c.enableBatching);
    assertEquals(30000, c.restApiTimeoutMs);
    assertEquals(0, c.intraOpParallelism);
    assertEquals(0, c.interOpParallelism);
    assertEquals(0, parse().restApiPort, "REST is off unless --rest_api_port is given");

    ServerConfig cfg = c.toServerConfig(NO_ENV);
    assertEquals("0.0.0.0", cfg.host(), "TF Serving listens on every interface");
    assertEquals(8501, cfg.port());
    assertEquals(8500, cfg.grpcPort(), "--port is TF Serving's gRPC port");
    assertNull(cfg.modelsRoot(), "only the named model is served, no folder is scanned");
    assertEquals(Map.of("default", new ModelSettings(VersionPolicy.latest(), Map.of(), null, Path.of("/models/m"))),
        cfg.models());
    assertEquals(Path.of("/models/m"), cfg.modelDir("default"));
    assertEquals(Duration.ofSeconds(1), cfg.pollInterval());
    assertFalse(cfg.batching().enabled(), "TF Serving batches only with --enable_batching");
    assertEquals(Duration.ofMillis(30000), cfg.requestTimeout());
    assertNull(cfg.metricsPath());
    assertEquals(SessionThreads.AUTO, cfg.sessionThreads());
    assertTrue(cfg.warmup());
  }

  @Test
  void everyFlagInBothSyntaxes() throws Exception {
    Path batching = write("batching.config", "max_batch_size { value: 32 }\nbatch_timeout_micros { value: 500 }\n"
        + "max_enqueued_batches { value: 4 }\nnum_batch_threads { value: 3 }\nthread_pool_name { value: \"p\" }\n");
    Path monitoring = write("monitoring.config", "prometheus_config { enable: true, path: \"/prom/metrics\" }");
    ServerConfig eq = config("--port=9000", "--rest_api_port=8080", "--model_name=ae",
        "--model_base_path=/mnt/models", "--model_config_file_poll_wait_seconds=0",
        "--file_system_poll_wait_seconds=5", "--enable_batching=true", "--batching_parameters_file=" + batching,
        "--rest_api_timeout_in_ms=1500", "--monitoring_config_file=" + monitoring,
        "--tensorflow_intra_op_parallelism=2", "--tensorflow_inter_op_parallelism=1", "--enable_model_warmup=false");
    ServerConfig space = config("--port", "9000", "--rest_api_port", "8080", "--model_name", "ae",
        "--model_base_path", "/mnt/models", "--model_config_file_poll_wait_seconds", "0",
        "--file_system_poll_wait_seconds", "5", "--enable_batching", "--batching_parameters_file",
        batching.toString(), "--rest_api_timeout_in_ms", "1500", "--monitoring_config_file", monitoring.toString(),
        "--tensorflow_intra_op_parallelism", "2", "--tensorflow_inter_op_parallelism", "1",
        "--enable_model_warmup", "false");
    for (ServerConfig cfg : List.of(eq, space)) {
      assertEquals(8080, cfg.port());
      assertEquals(9000, cfg.grpcPort());
      assertEquals(Path.of("/mnt/models"), cfg.modelDir("ae"));
      assertEquals(Duration.ofSeconds(5), cfg.pollInterval());
      assertEquals(new Batching(true, 32, 500, 4 * 32, 3), cfg.batching());
      assertEquals(Duration.ofMillis(1500), cfg.requestTimeout());
      assertEquals("/prom/metrics", cfg.metricsPath());
      assertEquals(new SessionThreads(2, 1), cfg.sessionThreads());
      assertFalse(cfg.warmup());
    }
    assertEquals(9000, parse("--port=9000").port);
  }

  @Test
  void kserveTfServingRuntimeArguments() throws Exception {
    // KServe's TF Serving ServingRuntime runs exactly these (storage initializer puts the model at /mnt/models).
    ServerConfig cfg = config("--port=9000", "--rest_api_port=8080", "--model_name=digits",
        "--model_base_path=/mnt/models");
    assertEquals(9000, cfg.grpcPort());
    assertEquals(8080, cfg.port());
    assertEquals("0.0.0.0", cfg.host());
    assertEquals(Path.of("/mnt/models"), cfg.modelDir("digits"));
    assertEquals(List.of("digits"), List.copyOf(cfg.models().keySet()));
  }

  @Test
  void aFlagGivenTwiceTakesItsLastValueAsInTfServing() throws Exception {
    // What tf_serving_entrypoint.sh does with `docker run IMAGE --rest_api_port=9000`.
    ServerConfig cfg = config("--port=8500", "--rest_api_port=8501", "--model_name=m", "--model_base_path=/m",
        "--rest_api_port=9000", "--port=9001");
    assertEquals(9000, cfg.port());
    assertEquals(9001, cfg.grpcPort());
  }

  @Test
  void booleansAsTfServingWritesThem() throws Exception {
    assertTrue(parse("--enable_batching").enableBatching);
    assertTrue(parse("--enable_batching=true").enableBatching);
    assertTrue(parse("--enable_batching=1").enableBatching);
    assertFalse(parse("--enable_batching=false").enableBatching);
    assertFalse(parse("--enable_batching=0").enableBatching);
    assertTrue(config("--enable_batching", "--rest_api_port=1", "--model_base_path=x").batching().enabled());
    assertEquals(Batching.defaults(), config("--enable_batching", "--rest_api_port=1", "--model_base_path=x")
        .batching(), "without a parameters file: AE Bridge's batching defaults");
    assertTrue(badValue("--enable_batching=maybe").contains("--enable_batching"));
  }

  @Test
  void unsupportedFlagsAreRefusedByName() {
    String tfFlag = refusal("--rest_api_port=8501", "--model_base_path=x", "--grpc_channel_arguments=a=1");
    assertTrue(tfFlag.startsWith("--grpc_channel_arguments is a tensorflow_model_server flag that AE Bridge does "
        + "not support; supported: "), tfFlag);
    assertTrue(tfFlag.contains("--model_config_file") && tfFlag.contains("--rest_api_timeout_in_ms"), tfFlag);
    String unknown = refusal("--rest_api_port=8501", "--model_base_path=x", "--modle_name=typo");
    assertTrue(unknown.startsWith("unknown flag --modle_name; supported: "), unknown);
    String positional = refusal("--rest_api_port=8501", "--model_base_path=x", "extra");
    assertTrue(positional.startsWith("unexpected argument 'extra'"), positional);
    String poll = refusal("--rest_api_port=8501", "--model_base_path=x", "--model_config_file_poll_wait_seconds=60");
    assertTrue(poll.contains("--model_config_file_poll_wait_seconds=60 is not supported"), poll);
  }

  @Test
  void badValuesAreNamed() {
    assertTrue(badValue("--port=abc").contains("--port"));
    assertTrue(badValue("--rest_api_port=8501.5").contains("--rest_api_port"));
    assertEquals("--port must lie in [0, 65535], found 70000",
        refusal("--port=70000", "--rest_api_port=1", "--model_base_path=x"));
    assertEquals("--rest_api_port must lie in [0, 65535], found -1",
        refusal("--rest_api_port=-1", "--model_base_path=x"));
    assertTrue(refusal("--port=8501", "--rest_api_port=8501", "--model_base_path=x")
        .startsWith("--rest_api_port cannot be the same as --port (8501)"));
    assertTrue(refusal("--port=0", "--model_base_path=x").startsWith("--rest_api_port=0 turns REST off (TF "
        + "Serving's default) and --port=0 turns gRPC off: nothing would be served"));
    assertTrue(refusal("--rest_api_port=8501").startsWith("--model_base_path is required"));
    assertTrue(refusal("--rest_api_port=8501", "--model_base_path=x", "--model_name=a b")
        .startsWith("--model_name must be a model name"));
    assertTrue(refusal("--rest_api_port=8501", "--model_base_path=x", "--file_system_poll_wait_seconds=-1")
        .startsWith("--file_system_poll_wait_seconds must be 0 (look once) or more, found -1"));
    assertEquals("--rest_api_timeout_in_ms must be positive, found 0",
        refusal("--rest_api_port=8501", "--model_base_path=x", "--rest_api_timeout_in_ms=0"));
    assertTrue(refusal("--rest_api_port=8501", "--model_base_path=x", "--tensorflow_intra_op_parallelism=-2")
        .startsWith("--tensorflow_intra_op_parallelism must lie in [0, 4096]"));
  }

  @Test
  void restOffByDefaultLeavesGrpcOnly() throws Exception {
    ServerConfig cfg = config("--model_base_path=x");
    assertEquals(ServerConfig.HTTP_OFF, cfg.port(), "--rest_api_port=0 (the default) means no REST, as in TF Serving");
    assertEquals(TfServingCommand.DEFAULT_GRPC_PORT, cfg.grpcPort());
    assertEquals(0, config("--port=0", "--rest_api_port=8501", "--model_base_path=x").grpcPort(), "--port=0: no gRPC");
  }

  @Test
  void environmentAppliesWhereNoFlagSpeaks() throws Exception {
    ServerConfig cfg = parse("--rest_api_port=8501", "--model_base_path=x").toServerConfig(Map.of(
        "AEBRIDGE_HOST", "127.0.0.1", "AEBRIDGE_MAX_BATCH", "7", "AEBRIDGE_PORT", "9999", "AEBRIDGE_MODELS", "elsewhere",
        "AEBRIDGE_BATCHING", "on", "AEBRIDGE_GRPC_PORT", "7777"));
    assertEquals("127.0.0.1", cfg.host());
    assertEquals(7, cfg.limits().maxBatch());
    assertEquals(8501, cfg.port(), "the flag (or its default) wins over AEBRIDGE_PORT");
    assertEquals(8500, cfg.grpcPort(), "--port's default wins over AEBRIDGE_GRPC_PORT");
    assertNull(cfg.modelsRoot(), "TF Serving serves the models it is told, not a folder");
    assertFalse(cfg.batching().enabled(), "--enable_batching's default wins over AEBRIDGE_BATCHING");
  }

  @Test
  void modelConfigFileWithPoliciesAndLabels() throws Exception {
    Path file = write("models.config", """
        model_config_list {
          config {
            name: "a"
            base_path: "/models/a"
            model_platform: "tensorflow"
            model_version_policy { specific { versions: 1 versions: 3 } }
            version_labels { key: "stable" value: 1 }
            version_labels { key: "canary" value: 3 }
          }
          config { name: "b" base_path: "/elsewhere/b" model_version_policy { all {} } }
          config { name: "c" base_path: "relative/c" model_version_policy { latest { num_versions: 2 } } }
          config { name: "d" base_path: "/d" }
        }
        """);
    ServerConfig cfg = config("--rest_api_port=8501", "--model_config_file=" + file);
    assertEquals(List.of("a", "b", "c", "d"), List.copyOf(new java.util.TreeSet<>(cfg.models().keySet())));
    assertEquals(new ModelSettings(VersionPolicy.specific(1, 3), Map.of("stable", 1L, "canary", 3L), null,
        Path.of("/models/a")), cfg.models().get("a"));
    assertEquals(VersionPolicy.all(), cfg.versionPolicyOf("b"));
    assertEquals(Path.of("/elsewhere/b"), cfg.modelDir("b"));
    assertEquals(VersionPolicy.latest(2), cfg.versionPolicyOf("c"));
    assertEquals(Path.of("relative/c"), cfg.modelDir("c"));
    assertEquals(VersionPolicy.latest(), cfg.versionPolicyOf("d"));
    assertNull(cfg.modelDir("e"), "no root: a model the file does not list has no folder");
    // As in TF Serving, the config file makes --model_name/--model_base_path unused.
    ServerConfig both = config("--rest_api_port=8501", "--model_config_file=" + file, "--model_name=x",
        "--model_base_path=/x");
    assertFalse(both.models().containsKey("x"));
  }

  @Test
  void invalidModelConfigFilesNameLineColumnOrField() throws Exception {
    String syntax = refusal("--rest_api_port=1", "--model_config_file="
        + write("syntax.config", "model_config_list {\n  config { name: \"a\" base_path \"/a\" }\n}\n"));
    assertTrue(syntax.contains("syntax.config: not a valid text-format ModelServerConfig: 2:"), syntax);
    String unknown = refusal("--rest_api_port=1", "--model_config_file="
        + write("unknown.config", "model_config_list {\n  config {\n    name: \"a\"\n    base_paht: \"/a\" }\n}\n"));
    assertTrue(unknown.contains("4:") && unknown.contains("base_paht"), unknown);
    String missing = refusal("--rest_api_port=1", "--model_config_file=" + dir.resolve("none.config"));
    assertTrue(missing.contains("none.config: no such file"), missing);

    Map<String, String> cases = Map.of(
        "model_config_list { config { name: \"a\" } }", "config #1 ('a'): base_path is required",
        "model_config_list { config { name: \"a b\" base_path: \"/a\" } }", "name must be a model name",
        "model_config_list { config { name: \"a\" base_path: \"/a\" } config { name: \"a\" base_path: \"/b\" } }",
        "config #2 ('a'): the name 'a' is listed twice",
        "model_config_list { config { name: \"a\" base_path: \"/a\" model_platform: \"pytorch\" } }",
        "model_platform 'pytorch' is not supported",
        "model_config_list { config { name: \"a\" base_path: \"/a\" logging_config { } } }",
        "logging_config (request logging) is not supported",
        "model_config_list { config { name: \"a\" base_path: \"/a\" version_labels { key: \"s t\" value: 1 } } }",
        "labels: 's t' is not a label",
        "model_config_list { config { name: \"a\" base_path: \"/a\" model_version_policy { specific { } } } }",
        "model_version_policy specific lists no version",
        "custom_model_config { }", "custom_model_config is not supported",
        "", "lists no model");
    int i = 0;
    for (Map.Entry<String, String> e : cases.entrySet()) {
      String message = refusal("--rest_api_port=1", "--model_config_file=" + write("c" + i++ + ".config", e.getKey()));
      assertTrue(message.contains(e.getValue()), e.getKey() + " -> " + message);
    }
  }

  @Test
  void batchingAndMonitoringFiles() throws Exception {
    Path partial = write("partial.config", "max_batch_size { value: 8 }");
    Batching b = config("--rest_api_port=1", "--model_base_path=x", "--enable_batching",
        "--batching_parameters_file=" + partial).batching();
    Batching d = Batching.defaults();
    assertEquals(new Batching(true, 8, d.maxDelayMicros(), d.maxQueuedRequests(), d.threads()), b,
        "fields left out keep AE Bridge's defaults");
    assertFalse(config("--rest_api_port=1", "--model_base_path=x", "--batching_parameters_file=" + partial)
        .batching().enabled(), "a parameters file alone does not turn batching on (as in TF Serving)");
    String padded = refusal("--rest_api_port=1", "--model_base_path=x", "--enable_batching",
        "--batching_parameters_file=" + write("sizes.config", "allowed_batch_sizes: 8\nallowed_batch_sizes: 16"));
    assertTrue(padded.contains("allowed_batch_sizes is not supported"), padded);
    String bad = refusal("--rest_api_port=1", "--model_base_path=x", "--enable_batching",
        "--batching_parameters_file=" + write("bad.config", "max_batch_size: 8"));
    assertTrue(bad.contains("not a valid text-format BatchingParameters: 1:"), bad);
    String zero = refusal("--rest_api_port=1", "--model_base_path=x", "--enable_batching",
        "--batching_parameters_file=" + write("zero.config", "num_batch_threads { value: 0 }"));
    assertTrue(zero.contains("num_batch_threads must lie in [1,"), zero);

    assertEquals(TfServingFiles.DEFAULT_PROMETHEUS_PATH, config("--rest_api_port=1", "--model_base_path=x",
        "--monitoring_config_file=" + write("m1.config", "prometheus_config { enable: true }")).metricsPath());
    assertNull(config("--rest_api_port=1", "--model_base_path=x",
        "--monitoring_config_file=" + write("m2.config", "prometheus_config { enable: false path: \"/p\" }"))
        .metricsPath());
    String badPath = refusal("--rest_api_port=1", "--model_base_path=x",
        "--monitoring_config_file=" + write("m3.config", "prometheus_config { enable: true path: \"metrics\" }"));
    assertTrue(badPath.contains("metricsPath must be an absolute URL path"), badPath);
  }
}
