package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.ProjectPaths;
import io.aebridge.serve.ModelServer;
import io.aebridge.serve.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.FileSystemStoragePathSource.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelManagement.ReloadConfigRequest;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfigList;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * {@code aebridge tfserving} started as TF Serving would be, over real HTTP on a loopback port with committed
 * SavedModels: one model by --model_name/--model_base_path over REST, the same over gRPC alone (TF Serving's
 * default: no REST) with TF Serving's own generated stubs, and a --model_config_file with two models in folders
 * that share no root, a specific version policy and a version label.
 */
class TfServingServerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Bind loopback only; the command's own default (every interface) is TF Serving's. */
  private static final Map<String, String> ENV = Map.of("AEBRIDGE_HOST", "127.0.0.1");
  private static final Path DEMO = ProjectPaths.root().resolve("saved-models/py-demo-tf-module");
  private static final Path KERAS = ProjectPaths.root().resolve("saved-models/py-demo-keras-export");

  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path dir;

  /**
   * A free loopback port: TF Serving's --rest_api_port=0 means "no REST", so the test cannot ask for any free
   * port through the flag and picks one itself.
   */
  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private ModelServer start(String... args) throws Exception {
    return TfServingCommandTest.parse(args).start(ENV);
  }

  private JsonNode get(ModelServer server, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return JSON.createObjectNode().put("status", r.statusCode()).set("body", JSON.readTree(r.body()));
  }

  private JsonNode post(ModelServer server, String path, String body) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.createObjectNode().put("status", r.statusCode()).set("body", JSON.readTree(r.body()));
  }

  private static String oneZeroDigit() {
    return "{\"instances\": [" + "[" + "0.0,".repeat(783) + "0.0]" + "]}";
  }

  @Test
  void oneModelByNameAndBasePathServesPredictLikeTfServing() throws Exception {
    int port = freePort();
    try (ModelServer server = start("--model_name=m", "--model_base_path=" + DEMO, "--rest_api_port=" + port,
        "--port=0")) {
      assertEquals(port, server.port());
      JsonNode status = get(server, "/v1/models/m");
      assertEquals(200, status.get("status").asInt(), status.toString());
      assertEquals("AVAILABLE", status.at("/body/model_version_status/0/state").asText());
      JsonNode predicted = post(server, "/v1/models/m:predict", oneZeroDigit());
      assertEquals(200, predicted.get("status").asInt(), predicted.toString());
      assertEquals(784, predicted.at("/body/predictions/0").size());
      // The folder's name is not the model's name: only --model_name is served.
      assertEquals(404, get(server, "/v1/models/py-demo-tf-module").get("status").asInt());
      assertEquals(200, get(server, "/v2/health/ready").get("status").asInt());
    }
  }

  @Test
  void grpcOnlyByDefaultAnswersTfServingsServices() throws Exception {
    int grpcPort = freePort();
    try (ModelServer server = start("--model_name=m", "--model_base_path=" + DEMO, "--port=" + grpcPort)) {
      assertEquals(ServerConfig.HTTP_OFF, server.port(), "--rest_api_port=0 (default): no REST, as in TF Serving");
      assertEquals(grpcPort, server.grpcPort());
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
      try {
        ModelSpec spec = ModelSpec.newBuilder().setName("m").build();
        GetModelStatusResponse status = ModelServiceGrpc.newBlockingStub(channel)
            .getModelStatus(GetModelStatusRequest.newBuilder().setModelSpec(spec).build());
        assertEquals(ModelVersionStatus.State.AVAILABLE, status.getModelVersionStatus(0).getState());
        TensorProto digit = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
            .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(1))
                .addDim(TensorShapeProto.Dim.newBuilder().setSize(784)))
            .addAllFloatVal(java.util.Collections.nCopies(784, 0f)).build();
        PredictResponse predicted = PredictionServiceGrpc.newBlockingStub(channel)
            .predict(PredictRequest.newBuilder().setModelSpec(spec).putInputs("x", digit).build());
        TensorProto out = predicted.getOutputsOrThrow("reconstruction");
        assertEquals(List.of(1L, 784L), out.getTensorShape().getDimList().stream().map(TensorShapeProto.Dim::getSize)
            .toList());
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  void modelConfigFileWithTwoModelsSpecificPolicyAndLabel() throws Exception {
    // Model "a" has versions 1 and 2 on disk; the policy serves only 1 (latest would pick 2). Model "b" lives in
    // a folder outside a's, so the server needs each model's own base path.
    Path a = dir.resolve("store/a");
    copyTree(DEMO.resolve("1"), a.resolve("1"));
    copyTree(DEMO.resolve("1"), a.resolve("2"));
    Path config = dir.resolve("models.config");
    Files.writeString(config, "model_config_list {\n"
        + "  config { name: \"a\" base_path: \"" + a + "\" model_platform: \"tensorflow\"\n"
        + "    model_version_policy { specific { versions: 1 } }\n"
        + "    version_labels { key: \"stable\" value: 1 } }\n"
        + "  config { name: \"b\" base_path: \"" + KERAS + "\" model_platform: \"tensorflow\" }\n"
        + "}\n");
    Path monitoring = dir.resolve("monitoring.config");
    Files.writeString(monitoring, "prometheus_config { enable: true }\n");
    try (ModelServer server = start("--model_config_file=" + config, "--rest_api_port=" + freePort(), "--port=0",
        "--monitoring_config_file=" + monitoring, "--enable_batching")) {
      JsonNode statusA = get(server, "/v1/models/a");
      assertEquals(1, statusA.at("/body/model_version_status").size(), statusA.toString());
      assertEquals("1", statusA.at("/body/model_version_status/0/version").asText());
      assertEquals(200, post(server, "/v1/models/a/labels/stable:predict", oneZeroDigit()).get("status").asInt());
      assertEquals(200, post(server, "/v1/models/a/versions/1:predict", oneZeroDigit()).get("status").asInt());
      JsonNode notServed = post(server, "/v1/models/a/versions/2:predict", oneZeroDigit());
      assertEquals(404, notServed.get("status").asInt(), notServed.toString());

      JsonNode statusB = get(server, "/v1/models/b");
      assertEquals("AVAILABLE", statusB.at("/body/model_version_status/0/state").asText(), statusB.toString());
      JsonNode metadata = get(server, "/v1/models/b/metadata");
      String input = metadata.at("/body/metadata/signature_def/signature_def/serving_default/inputs")
          .fieldNames().next();
      JsonNode predicted = post(server, "/v1/models/b:predict",
          "{\"inputs\": {\"" + input + "\": [[" + "0.5,".repeat(783) + "0.5]]}}");
      assertEquals(200, predicted.get("status").asInt(), predicted.toString());

      HttpResponse<String> prometheus = http.send(HttpRequest.newBuilder(URI.create(server.baseUrl()
          + TfServingFiles.DEFAULT_PROMETHEUS_PATH)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, prometheus.statusCode());
      assertTrue(prometheus.body().contains("aebridge_models_loaded"), prometheus.body());
    }
  }

  /**
   * A gRPC HandleReloadConfigRequest on a server started as TF Serving (no models root): the request's config
   * becomes the served set, as in TF Serving — the model of --model_name is dropped, a model in another folder is
   * served with a specific policy and labels — and a base path that is empty or relative is refused as there.
   */
  @Test
  void grpcReloadReplacesTheServedSet() throws Exception {
    Path a = dir.resolve("store/a");
    for (String v : List.of("1", "2", "3")) {
      copyTree(DEMO.resolve("1"), a.resolve(v));
    }
    String token = "tfserving-reload-token-0123";
    Map<String, String> env = Map.of("AEBRIDGE_HOST", "127.0.0.1", "AEBRIDGE_TOKEN", token);
    int grpcPort = freePort();
    try (ModelServer server = TfServingCommandTest.parse("--model_name=m", "--model_base_path=" + DEMO,
        "--port=" + grpcPort).start(env)) {
      ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
      try {
        Metadata bearer = new Metadata();
        bearer.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        var models = ModelServiceGrpc.newBlockingStub(channel)
            .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer));
        var predict = PredictionServiceGrpc.newBlockingStub(channel);
        ModelConfig.Builder entry = ModelConfig.newBuilder().setName("a").setBasePath(a.toString())
            .setModelPlatform("tensorflow").setModelVersionPolicy(ServableVersionPolicy.newBuilder()
                .setSpecific(ServableVersionPolicy.Specific.newBuilder().addVersions(1).addVersions(2)))
            .putVersionLabels("stable", 1).putVersionLabels("canary", 2);
        var ok = models.handleReloadConfigRequest(ReloadConfigRequest.newBuilder().setConfig(ModelServerConfig
            .newBuilder().setModelConfigList(ModelConfigList.newBuilder().addConfig(entry))).build());
        assertEquals(org.tensorflow.proto.error.Code.OK, ok.getStatus().getErrorCode());
        for (var label : Map.of("stable", 1L, "canary", 2L).entrySet()) {
          PredictResponse r = predict.predict(PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder()
              .setName("a").setVersionLabel(label.getKey())).putInputs("x", zeroDigitProto()).build());
          assertEquals(label.getValue(), r.getModelSpec().getVersion().getValue(), label.getKey());
        }
        StatusRuntimeException dropped = assertThrows(StatusRuntimeException.class, () -> predict.predict(
            PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("m"))
                .putInputs("x", zeroDigitProto()).build()));
        assertEquals(Status.Code.NOT_FOUND, dropped.getStatus().getCode());
        for (String basePath : List.of("", "relative/a")) {
          StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> models
              .handleReloadConfigRequest(ReloadConfigRequest.newBuilder().setConfig(ModelServerConfig.newBuilder()
                  .setModelConfigList(ModelConfigList.newBuilder().addConfig(entry.clone().setBasePath(basePath))))
                  .build()));
          assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.toString());
          assertTrue(refused.getStatus().getDescription().contains("base_path"), refused.toString());
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static TensorProto zeroDigitProto() {
    return TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
        .setTensorShape(TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dim.newBuilder().setSize(1))
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(784)))
        .addAllFloatVal(java.util.Collections.nCopies(784, 0f)).build();
  }

  /**
   * --model_config_file_poll_wait_seconds: the file is rewritten while the server runs. A second model appears, the
   * first moves to another base path with another version policy and label, a broken file changes nothing, and a
   * model left out of the file disappears — all without a restart, seen over real HTTP.
   */
  @Test
  void modelConfigFilePolledAppliesChangesAndKeepsTheOldConfigWhenBroken() throws Exception {
    Path store1 = dir.resolve("store1/a");
    copyTree(DEMO.resolve("1"), store1.resolve("1"));
    copyTree(DEMO.resolve("1"), store1.resolve("2"));
    Path store2 = dir.resolve("store2/a");
    copyTree(DEMO.resolve("1"), store2.resolve("5"));
    copyTree(DEMO.resolve("1"), store2.resolve("6"));
    Path config = dir.resolve("models.config");
    writeAtomically(config, "model_config_list { config { name: \"a\" base_path: \"" + store1 + "\"\n"
        + "  model_version_policy { specific { versions: 1 } } version_labels { key: \"stable\" value: 1 } } }\n");
    try (ModelServer server = start("--model_config_file=" + config, "--model_config_file_poll_wait_seconds=1",
        "--rest_api_port=" + freePort(), "--port=0")) {
      assertEquals(List.of("1"), availableVersions(server, "a"));
      assertEquals(404, post(server, "/v1/models/b:predict", oneZeroDigit()).get("status").asInt());

      // B: model b added; a from another folder, every version served, its label moved to 6.
      writeAtomically(config, "model_config_list {\n"
          + "  config { name: \"a\" base_path: \"" + store2 + "\" model_version_policy { all {} }\n"
          + "    version_labels { key: \"stable\" value: 6 } }\n"
          + "  config { name: \"b\" base_path: \"" + KERAS + "\" } }\n");
      awaitCondition(() -> availableVersions(server, "b").equals(List.of("1")), "b loaded");
      assertEquals(List.of("6", "5"), availableVersions(server, "a"), "a served from store2 (applied before b)");
      assertEquals(404, post(server, "/v1/models/a/versions/1:predict", oneZeroDigit()).get("status").asInt());
      assertEquals(200, post(server, "/v1/models/a/versions/5:predict", oneZeroDigit()).get("status").asInt());
      JsonNode labelled = get(server, "/v1/models/a/labels/stable");
      assertEquals("6", labelled.at("/body/model_version_status/0/version").asText(), labelled.toString());
      assertEquals(200, post(server, "/v1/models/b:predict", "{\"instances\": [[" + "0.5,".repeat(783) + "0.5]]}")
          .get("status").asInt());

      // A file that does not parse is logged and kept out: three polls later both models are still served.
      writeAtomically(config, "model_config_list { config { name: \"a\" base_path: ");
      Thread.sleep(3_000);
      assertEquals(List.of("6", "5"), availableVersions(server, "a"));
      assertEquals(200, post(server, "/v1/models/b:predict", "{\"instances\": [[" + "0.5,".repeat(783) + "0.5]]}")
          .get("status").asInt());

      // D: a left out of the file is unloaded; b keeps serving.
      writeAtomically(config, "model_config_list { config { name: \"b\" base_path: \"" + KERAS + "\" } }\n");
      awaitCondition(() -> post(server, "/v1/models/a:predict", oneZeroDigit()).get("status").asInt() == 404,
          "a unloaded");
      assertEquals(200, post(server, "/v1/models/b:predict", "{\"instances\": [[" + "0.5,".repeat(783) + "0.5]]}")
          .get("status").asInt());
      assertEquals(200, get(server, "/v2/health/ready").get("status").asInt());
    }
  }

  /** The AVAILABLE versions of {@code model}, newest first; empty when it has none or is unknown. */
  private List<String> availableVersions(ModelServer server, String model) throws Exception {
    JsonNode status = get(server, "/v1/models/" + model);
    List<String> out = new java.util.ArrayList<>();
    for (JsonNode v : status.at("/body/model_version_status")) {
      if (v.get("state").asText().equals("AVAILABLE")) {
        out.add(v.get("version").asText());
      }
    }
    return out;
  }

  private interface Check {
    boolean holds() throws Exception;
  }

  /** Waits up to 60 s for {@code check} (model loads are slow on a loaded 2-core machine). */
  private static void awaitCondition(Check check, String what) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!check.holds()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after 60 s waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  /** Replaces {@code file} in one rename, so the server's poll never reads it half-written. */
  private static void writeAtomically(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }
}
