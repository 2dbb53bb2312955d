package io.aebridge.serve;

import static io.aebridge.serve.GrpcFrontEndTest.assertCode;
import static io.aebridge.serve.GrpcFrontEndTest.bearer;
import static io.aebridge.serve.GrpcFrontEndTest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.load.HostTensor;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.error.Code;
import tensorflow.serving.FileSystemStoragePathSource.FileSystemStoragePathSourceConfig.ServableVersionPolicy;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelManagement.ReloadConfigRequest;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfigList;
import tensorflow.serving.ModelServerConfigOuterClass.ModelServerConfig;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * TF Serving's {@code HandleReloadConfigRequest} over a real gRPC port on a server started with a models root
 * ({@code aebridge serve --models ROOT}): a reload serves exactly its list — a base path outside the root with a
 * specific version policy and labels, root models by name — and unloads the rest; bad configs answer the code TF
 * Serving answers and change nothing; without the token nothing happens. Each test starts from the root's four
 * models served by name.
 */
class GrpcReloadTest {
  static final String TOKEN = GrpcFrontEndTest.TOKEN;
  static final List<String> ROOT_MODELS = List.of(ServeFixtures.DENSE, ServeFixtures.HALF_PLUS_THREE,
      ServeFixtures.MULTI, ServeFixtures.TYPED);
  static final HostTensor X = HostTensor.ofFloats(new long[] {1, 784}, new float[784]);

  @RegisterExtension
  static final StandardServer SERVER = new StandardServer(b -> b.grpcPort(-1).managementToken(TOKEN));

  static ManagedChannel channel;
  static ModelServiceGrpc.ModelServiceBlockingStub models;
  static PredictionServiceGrpc.PredictionServiceBlockingStub predict;

  @TempDir static Path elsewhere;

  @BeforeAll
  static void connect() {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", SERVER.server.grpcPort()).usePlaintext().build();
    models = ModelServiceGrpc.newBlockingStub(channel);
    predict = PredictionServiceGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  @Test
  void reloadServesBasePathsPoliciesAndLabelsAndUnloadsTheRest() throws Exception {
    reloadOk(rootModels());
    Path ae = elsewhere.resolve("ae");
    for (long v = 1; v <= 3; v++) {
      ServeFixtures.copyDense(elsewhere, "ae", v);
    }
    reloadOk(config(
        model("ae", ae.toString(), b -> b.setModelVersionPolicy(ServableVersionPolicy.newBuilder()
            .setSpecific(ServableVersionPolicy.Specific.newBuilder().addVersions(1).addVersions(3))))
            .putVersionLabels("stable", 1).putVersionLabels("canary", 3),
        model(ServeFixtures.HALF_PLUS_THREE, "", b -> b)));

    assertEquals(Map.of(3L, ModelVersionStatus.State.AVAILABLE, 1L, ModelVersionStatus.State.AVAILABLE),
        states("ae"), "the specific policy serves 1 and 3, not 2");
    for (var label : Map.of("stable", 1L, "canary", 3L).entrySet()) {
      var r = predict.predict(request("ae", "", X).toBuilder().setModelSpec(ModelSpec.newBuilder().setName("ae")
          .setVersionLabel(label.getKey())).build());
      assertEquals(label.getValue(), r.getModelSpec().getVersion().getValue(), label.getKey());
    }
    assertCode(Status.Code.NOT_FOUND, () -> predict.predict(request("ae", "", X).toBuilder().setModelSpec(
        ModelSpec.newBuilder().setName("ae").setVersion(com.google.protobuf.Int64Value.of(2))).build()));
    // Root models not listed are unloaded (their files stay); the listed one is still served.
    assertCode(Status.Code.NOT_FOUND, () -> predict.predict(request(ServeFixtures.DENSE, "", X)));
    assertTrue(states(ServeFixtures.DENSE).values().stream().allMatch(s -> s == ModelVersionStatus.State.END));
    assertTrue(Files.isDirectory(SERVER.server.config().modelsRoot().resolve(ServeFixtures.DENSE)));
    assertEquals(Map.of(123L, ModelVersionStatus.State.AVAILABLE), states(ServeFixtures.HALF_PLUS_THREE));
    assertEquals(200, SERVER.client.get("/v1/models/ae/labels/canary").status());

    // Listed again, an unloaded root model is served again; the dropped outside model is gone.
    reloadOk(rootModels());
    assertEquals(1, predict.predict(request(ServeFixtures.DENSE, "", X)).getModelSpec().getVersion().getValue());
    assertCode(Status.Code.NOT_FOUND, () -> predict.predict(request("ae", "", X)));
  }

  @Test
  void badConfigsAnswerTfServingsCodesAndChangeNothing() throws Exception {
    reloadOk(rootModels());
    Path ae = elsewhere.resolve("bad-ae");
    ServeFixtures.copyDense(elsewhere, "bad-ae", 1);
    var invalid = List.of(
        ModelServerConfig.getDefaultInstance(),
        config(model("dense", "", b -> b), model("dense", "", b -> b)),
        config(model("x", "relative/path", b -> b)),
        config(model("no/slash", ae.toString(), b -> b)),
        config(model("bad", ae.toString(), b -> b.setModelVersionPolicy(ServableVersionPolicy.newBuilder()
            .setSpecific(ServableVersionPolicy.Specific.getDefaultInstance())))),
        config(model("bad", ae.toString(), b -> b.setModelPlatform("pytorch"))),
        config(model("bad", ae.toString(), b -> b.putVersionLabels("bad-label", 1))));
    for (ModelServerConfig c : invalid) {
      assertCode(Status.Code.INVALID_ARGUMENT, () -> reload(c));
    }
    assertCode(Status.Code.NOT_FOUND, () -> reload(config(model("bad", elsewhere.resolve("missing").toString(),
        b -> b))));
    // A label on a version that is not on disk, or that the policy would not serve.
    assertCode(Status.Code.FAILED_PRECONDITION, () -> reload(config(model("bad", ae.toString(),
        b -> b.putVersionLabels("stable", 7)))));
    assertCode(Status.Code.UNIMPLEMENTED, () -> reload(ModelServerConfig.newBuilder().setCustomModelConfig(
        com.google.protobuf.Any.getDefaultInstance()).build()));
    // Management needs the token.
    assertCode(Status.Code.UNAUTHENTICATED, () -> models.handleReloadConfigRequest(reloadRequest(config(
        model("bad", ae.toString(), b -> b)))));
    assertCode(Status.Code.UNAUTHENTICATED, () -> models.withInterceptors(bearer("wrong-token-wrong-token"))
        .handleReloadConfigRequest(reloadRequest(config(model("bad", ae.toString(), b -> b)))));
    for (String name : ROOT_MODELS) {
      assertTrue(states(name).containsValue(ModelVersionStatus.State.AVAILABLE), name + " still served");
    }
    assertCode(Status.Code.NOT_FOUND, () -> models.getModelStatus(GetModelStatusRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("bad")).build()));
  }

  @Test
  void aNewModelThatCannotLoadIsUnknownAndTheListStaysInForce() throws Exception {
    reloadOk(rootModels());
    Path broken = elsewhere.resolve("broken");
    ServeFixtures.corrupt(broken.resolve("1"));
    Path empty = Files.createDirectories(elsewhere.resolve("empty"));
    var e = org.junit.jupiter.api.Assertions.assertThrows(io.grpc.StatusRuntimeException.class, () -> reload(
        config(model("broken", broken.toString(), b -> b), model("empty", empty.toString(), b -> b),
            model(ServeFixtures.TYPED, "", b -> b))));
    assertEquals(Status.Code.UNKNOWN, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("2 model(s) did not become available: 'broken'"),
        e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().contains("'empty' (no version folder under " + empty + ")"),
        e.getStatus().getDescription());
    assertEquals(Map.of(1L, ModelVersionStatus.State.AVAILABLE), states(ServeFixtures.TYPED));
    assertCode(Status.Code.NOT_FOUND, () -> predict.predict(request(ServeFixtures.DENSE, "", X)));
    assertEquals(Map.of(1L, ModelVersionStatus.State.END), states("broken"));
  }

  // ------------------------------------------------------------------------------------------------------ helpers

  static ModelServerConfig rootModels() {
    return config(ROOT_MODELS.stream().map(n -> model(n, "", b -> b)).toArray(ModelConfig.Builder[]::new));
  }

  static ModelConfig.Builder model(String name, String basePath, UnaryOperator<ModelConfig.Builder> more) {
    return more.apply(ModelConfig.newBuilder().setName(name).setBasePath(basePath).setModelPlatform("tensorflow"));
  }

  static ModelServerConfig config(ModelConfig.Builder... list) {
    ModelConfigList.Builder l = ModelConfigList.newBuilder();
    for (ModelConfig.Builder m : list) {
      l.addConfig(m);
    }
    return ModelServerConfig.newBuilder().setModelConfigList(l).build();
  }

  static ReloadConfigRequest reloadRequest(ModelServerConfig c) {
    return ReloadConfigRequest.newBuilder().setConfig(c).build();
  }

  static void reload(ModelServerConfig c) {
    models.withInterceptors(bearer(TOKEN)).withDeadlineAfter(120, TimeUnit.SECONDS)
        .handleReloadConfigRequest(reloadRequest(c));
  }

  static void reloadOk(ModelServerConfig c) {
    var r = models.withInterceptors(bearer(TOKEN)).withDeadlineAfter(120, TimeUnit.SECONDS)
        .handleReloadConfigRequest(reloadRequest(c));
    assertEquals(Code.OK, r.getStatus().getErrorCode());
  }

  /** Version → state of {@code model}. */
  static Map<Long, ModelVersionStatus.State> states(String model) {
    var r = models.getModelStatus(GetModelStatusRequest.newBuilder().setModelSpec(ModelSpec.newBuilder()
        .setName(model)).build());
    var out = new java.util.TreeMap<Long, ModelVersionStatus.State>();
    r.getModelVersionStatusList().forEach(s -> out.put(s.getVersion(), s.getState()));
    return out;
  }
}
