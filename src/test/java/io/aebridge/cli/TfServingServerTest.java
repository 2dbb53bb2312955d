package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.ProjectPaths;
import io.aebridge.serve.ModelServer;
import io.aebridge.serve.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
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
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
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
