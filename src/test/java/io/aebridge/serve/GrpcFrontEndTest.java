package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Int64Value;
import inference.GRPCInferenceServiceGrpc;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.InferTensorContents;
import inference.GrpcPredictV2.ModelConfigRequest;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferResponse;
import inference.GrpcPredictV2.ModelMetadataRequest;
import inference.GrpcPredictV2.ModelReadyRequest;
import inference.GrpcPredictV2.ModelStatisticsRequest;
import inference.GrpcPredictV2.RepositoryModelUnloadRequest;
import inference.GrpcPredictV2.ServerReadyRequest;
import io.aebridge.load.HostTensor;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.Classification.ClassificationRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.ModelManagement.ReloadConfigRequest;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * The gRPC port of a real server on random ports with the standard test models (a Java-trained dense
 * autoencoder, half_plus_three, multi_io, typed): both protocols answer exactly what REST answers, in both tensor
 * encodings; errors carry the right codes; health and reflection answer; a hot swap under a gRPC loop fails no call.
 */
class GrpcFrontEndTest {
  static final String TOKEN = "grpc-test-token-0123456789";

  @RegisterExtension
  static final StandardServer SERVER = new StandardServer(b -> b.grpcPort(-1).managementToken(TOKEN)
      .limits(ServerConfig.Limits.defaults().withMaxBodyBytes(1 << 20)));

  static ManagedChannel channel;
  static PredictionServiceGrpc.PredictionServiceBlockingStub predict;
  static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub v2;

  @BeforeAll
  static void connect() {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", SERVER.server.grpcPort()).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    predict = PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    v2 = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @AfterAll
  static void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------------------------------------- parity with REST

  @Test
  void denseAutoencoderEveryEncodingEqualsRest() {
    float[] x = new float[2 * 784];
    for (int i = 0; i < x.length; i++) {
      x[i] = (i * 37 % 256) / 255f;
    }
    for (String sig : List.of("serving_default", "encode")) {
      float[] rest = restFloats("dense", sig, "x", new long[] {2, 784}, x);
      HostTensor in = HostTensor.ofFloats(new long[] {2, 784}, x);
      String out = sig.equals("encode") ? "code" : "reconstruction";
      for (boolean content : new boolean[] {true, false}) {
        PredictResponse r = predict.predict(PredictRequest.newBuilder()
            .setModelSpec(ModelSpec.newBuilder().setName("dense").setSignatureName(sig))
            .putInputs("x", proto(in, content)).build());
        assertArrayEquals(rest, floats(r.getOutputsOrThrow(out)), sig + " content=" + content);
        assertEquals(1, r.getModelSpec().getVersion().getValue());
        assertEquals(sig, r.getModelSpec().getSignatureName());
      }
      for (boolean raw : new boolean[] {true, false}) {
        ModelInferResponse r = v2.modelInfer(v2Request("dense", sig, Map.of("x", in), raw));
        assertEquals(raw, r.getRawOutputContentsCount() == 1);
        assertArrayEquals(rest, v2Floats(r, 0), sig + " raw=" + raw);
        assertEquals(List.of(2L, (long) rest.length / 2), r.getOutputs(0).getShapeList());
      }
    }
  }

  @Test
  void typedDtypesAndBroadcastEqualRest() {
    HostTensor a = HostTensor.ofInts(new long[] {3, 2}, new int[] {1, 2, 3, 4, 5, 6});
    HostTensor b = HostTensor.ofLongs(new long[] {3}, new long[] {7, 1L << 40, -9});
    HostTensor c = HostTensor.ofDoubles(new long[] {3}, new double[] {0.1, 1e300, -2.5});
    JsonNode rest = SERVER.client.post("/v1/models/typed:predict", "{\"inputs\":{\"a\":[[1,2],[3,4],[5,6]],"
        + "\"b\":[7,1099511627776,-9],\"c\":[0.1,1e300,-2.5]}}").json().get("outputs");
    for (boolean content : new boolean[] {true, false}) {
      PredictResponse r = predict.predict(PredictRequest.newBuilder()
          .setModelSpec(ModelSpec.newBuilder().setName("typed"))
          .putInputs("a", proto(a, content)).putInputs("b", proto(b, content)).putInputs("c", proto(c, content))
          .build());
      assertEquals(rest.get("a_plus_1").toString(), "[" + join(r.getOutputsOrThrow("a_plus_1").getIntValList(), 2)
          + "]");
      assertEquals(rest.get("b_times_2").toString(), r.getOutputsOrThrow("b_times_2").getInt64ValList().toString()
          .replace(" ", ""));
      List<Double> halves = r.getOutputsOrThrow("c_half").getDoubleValList();
      for (int i = 0; i < 3; i++) {
        assertEquals(rest.get("c_half").get(i).asDouble(), halves.get(i), 0.0);
      }
      assertEquals(DataType.DT_INT64, r.getOutputsOrThrow("b_times_2").getDtype());
    }
    for (boolean raw : new boolean[] {true, false}) {
      ModelInferResponse r = v2.modelInfer(v2Request("typed", "", Map.of("a", a, "b", b, "c", c), raw));
      assertEquals(List.of("a_plus_1", "b_times_2", "c_half"), r.getOutputsList().stream()
          .map(ModelInferResponse.InferOutputTensor::getName).toList());
      assertEquals(List.of("INT32", "INT64", "FP64"), r.getOutputsList().stream()
          .map(ModelInferResponse.InferOutputTensor::getDatatype).toList());
    }
    // One typed value fills the whole shape (TF Serving's broadcast); no value means zeros.
    TensorProto one = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(4))
        .addFloatVal(2f).build();
    PredictResponse r = predict.predict(PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("half_plus_three")).putInputs("x", one).build());
    assertEquals(List.of(4f, 4f, 4f, 4f), r.getOutputsOrThrow("y").getFloatValList());
    assertEquals(123, r.getModelSpec().getVersion().getValue());
  }

  @Test
  void outputFilterAndSignatureParameter() {
    HostTensor signal = HostTensor.ofFloats(new long[] {1, 5}, new float[] {1, 2, 3, 4, 5});
    HostTensor sensor = HostTensor.ofFloats(new long[] {1, 2, 2}, new float[] {1, 1, 1, 1});
    PredictResponse r = predict.predict(PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("multi_io"))
        .putInputs("keras_tensor_3", proto(signal, true)).putInputs("sensor", proto(sensor, false))
        .addOutputFilter("output_0").build());
    assertEquals(List.of("output_0"), List.copyOf(r.getOutputsMap().keySet()));
    assertEquals(List.of(19f), r.getOutputsOrThrow("output_0").getFloatValList());
    ModelInferResponse v = v2.modelInfer(v2Request("multi_io", "signal_only", Map.of("keras_tensor_3", signal),
        false));
    assertEquals(List.of(15f), v.getOutputs(0).getContents().getFp32ContentsList());
  }

  /** As REST V2: ModelInfer carries one batch (Triton's rule); Predict, as TF Serving's, does not ask for one. */
  @Test
  void modelInferBatchedInputsMustShareOneBatchSize() {
    Map<String, HostTensor> in = Map.of("a", HostTensor.ofInts(new long[] {1, 2}, new int[] {7, -8}),
        "b", HostTensor.ofLongs(new long[] {2}, new long[] {4, 1}),
        "c", HostTensor.ofDoubles(new long[] {1}, new double[] {0.3}));
    for (boolean raw : new boolean[] {true, false}) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> v2.modelInfer(v2Request("typed", "", in, raw)));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
      assertTrue(e.getStatus().getDescription().contains("'a' 1, 'b' 2, 'c' 1"), e.getStatus().getDescription());
    }
    PredictRequest.Builder p = PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName("typed"));
    in.forEach((name, t) -> p.putInputs(name, proto(t, true)));
    assertEquals(List.of(8L, 2L), predict.predict(p.build()).getOutputsOrThrow("b_times_2").getInt64ValList());
  }

  @Test
  void metadataStatusHealthAndReflection() throws Exception {
    var meta = predict.getModelMetadata(GetModelMetadataRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("dense")).addMetadataField("signature_def").build());
    SignatureDefMap defs = meta.getMetadataOrThrow("signature_def").unpack(SignatureDefMap.class);
    assertTrue(defs.getSignatureDefMap().keySet().containsAll(List.of("serving_default", "encode", "decode")));
    assertEquals(784, defs.getSignatureDefOrThrow("serving_default").getInputsOrThrow("x").getTensorShape()
        .getDim(1).getSize());
    var status = ModelServiceGrpc.newBlockingStub(channel).getModelStatus(GetModelStatusRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("half_plus_three")).build());
    assertEquals(ModelVersionStatus.State.AVAILABLE, status.getModelVersionStatus(0).getState());
    assertEquals(123, status.getModelVersionStatus(0).getVersion());

    assertTrue(v2.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
    assertTrue(v2.modelReady(ModelReadyRequest.newBuilder().setName("dense").build()).getReady());
    assertFalse(v2.modelReady(ModelReadyRequest.newBuilder().setName("nope").build()).getReady());
    var v2meta = v2.modelMetadata(ModelMetadataRequest.newBuilder().setName("typed").build());
    assertEquals(List.of("1"), v2meta.getVersionsList());
    assertEquals("INT32", v2meta.getInputs(0).getDatatype());

    assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
        .check(HealthCheckRequest.newBuilder().setService("tensorflow.serving.PredictionService").build())
        .getStatus());
    CompletableFuture<ServerReflectionResponse> listed = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
        new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse value) {
            listed.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            listed.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> services = listed.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList().stream()
        .map(s -> s.getName()).toList();
    req.onCompleted();
    assertTrue(services.containsAll(List.of("tensorflow.serving.PredictionService", "tensorflow.serving.ModelService",
        "inference.GRPCInferenceService", "grpc.health.v1.Health")), services.toString());
  }

  @Test
  void requestIdIsKeptAndMetricsCarryTheProtocol() {
    Metadata sent = new Metadata();
    sent.put(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER), "trace-42");
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    v2.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(sent),
        MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
        .serverLive(inference.GrpcPredictV2.ServerLiveRequest.getDefaultInstance());
    assertEquals("trace-42", headers.get().get(Metadata.Key.of("x-request-id", Metadata.ASCII_STRING_MARSHALLER)));
    String metrics = SERVER.client.get("/metrics").text();
    assertTrue(metrics.contains("protocol=\"grpc\""), "no gRPC request metrics");
    assertTrue(metrics.contains("endpoint=\"inference.GRPCInferenceService/ServerLive\""));
  }

  @Test
  void modelConfigAndStatisticsEqualRest() {
    for (String model : List.of("dense", "typed", "half_plus_three")) {
      JsonNode rest = SERVER.client.get("/v2/models/" + model + "/config").json();
      var config = v2.modelConfig(ModelConfigRequest.newBuilder().setName(model).build()).getConfig();
      assertEquals(rest.get("name").asText(), config.getName());
      assertEquals(rest.get("platform").asText(), config.getPlatform());
      assertEquals(rest.get("max_batch_size").asInt(), config.getMaxBatchSize(), model);
      assertEquals(rest.get("version_policy").has("latest"), config.getVersionPolicy().hasLatest());
      assertEquals(rest.has("dynamic_batching"), config.hasDynamicBatching(), model);
      assertEquals(rest.get("parameters").get("signature_name").get("string_value").asText(),
          config.getParametersOrThrow("signature_name").getStringValue());
      assertEquals(rest.get("input").size(), config.getInputCount());
      for (int i = 0; i < config.getInputCount(); i++) {
        JsonNode in = rest.get("input").get(i);
        assertEquals(in.get("name").asText(), config.getInput(i).getName());
        assertEquals(in.get("data_type").asText(), config.getInput(i).getDataType().name());
        assertEquals(in.get("dims").toString(), config.getInput(i).getDimsList().toString().replace(" ", ""));
      }
      assertEquals(rest.get("output").size(), config.getOutputCount());
      assertEquals(rest.get("output").get(0).get("data_type").asText(), config.getOutput(0).getDataType().name());
    }
    var dense = v2.modelConfig(ModelConfigRequest.newBuilder().setName("dense").setVersion("1").build())
        .getConfig();
    assertEquals(List.of(784L), dense.getInput(0).getDimsList());
    assertEquals("TYPE_FP32", dense.getInput(0).getDataType().name());

    // Two inferences through gRPC, then both protocols report the same figures of the core.
    HostTensor x = HostTensor.ofFloats(new long[] {3}, new float[] {1, 2, 3});
    predict.predict(request("half_plus_three", "", x));
    v2.modelInfer(v2Request("half_plus_three", "", Map.of("x", x), true));
    JsonNode rest = SERVER.client.get("/v2/models/half_plus_three/stats").json().get("model_stats").get(0);
    var stats = v2.modelStatistics(ModelStatisticsRequest.newBuilder().setName("half_plus_three").build());
    assertEquals(1, stats.getModelStatsCount());
    var s = stats.getModelStats(0);
    assertEquals(rest.get("version").asText(), s.getVersion());
    assertTrue(s.getInferenceCount() >= 6, "inference_count " + s.getInferenceCount());
    assertEquals(rest.get("inference_count").asLong(), s.getInferenceCount());
    assertEquals(rest.get("execution_count").asLong(), s.getExecutionCount());
    assertEquals(rest.get("inference_stats").get("success").get("count").asLong(),
        s.getInferenceStats().getSuccess().getCount());
    assertEquals(rest.get("inference_stats").get("success").get("ns").asLong(),
        s.getInferenceStats().getSuccess().getNs());
    assertEquals(rest.get("batch_stats").size(), s.getBatchStatsCount());
    assertEquals(s, v2.modelStatistics(ModelStatisticsRequest.newBuilder().setName("half_plus_three")
        .setVersion(s.getVersion()).build()).getModelStats(0));

    assertCode(Status.Code.NOT_FOUND, () -> v2.modelConfig(ModelConfigRequest.newBuilder().setName("nope").build()));
    assertCode(Status.Code.NOT_FOUND, () -> v2.modelStatistics(ModelStatisticsRequest.newBuilder().setName("dense")
        .setVersion("9").build()));
    assertTrue(v2.serverMetadata(inference.GrpcPredictV2.ServerMetadataRequest.getDefaultInstance())
        .getExtensionsList().containsAll(List.of("model_configuration", "statistics")));
  }

  @Test
  void modelInferTakesVersionsAsRestV2Does() {
    // REST V2 names versions by number only (/v2/models/{m}/versions/{v}); a label there is 404, and NOT_FOUND here.
    HostTensor x = HostTensor.ofFloats(new long[] {1, 784}, new float[784]);
    assertEquals(404, SERVER.client.post("/v2/models/dense/versions/stable/infer", "{\"inputs\":[]}").status());
    ModelInferRequest labelled = v2Request("dense", "", Map.of("x", x), true).toBuilder().setModelVersion("stable")
        .build();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> v2.modelInfer(labelled));
    assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("not a version number"), e.getStatus().toString());
    assertEquals("1", v2.modelInfer(labelled.toBuilder().setModelVersion("1").build()).getModelVersion());
  }

  // ----------------------------------------------------------------------------------------------------- errors

  @Test
  void errorsCarryTheirCodes() {
    HostTensor x = HostTensor.ofFloats(new long[] {1, 784}, new float[784]);
    assertCode(Status.Code.NOT_FOUND, () -> predict.predict(request("nope", "", x)));
    assertCode(Status.Code.NOT_FOUND, () -> predict.predict(PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("dense").setVersion(Int64Value.of(9))).putInputs("x",
            proto(x, true)).build()));
    assertCode(Status.Code.NOT_FOUND, () -> predict.predict(request("dense", "no_such_signature", x)));
    assertCode(Status.Code.NOT_FOUND, () -> v2.modelInfer(v2Request("nope", "", Map.of("x", x), true)));
    // Wrong dtype, wrong shape, an unknown input, a byte count that does not fit the shape.
    assertCode(Status.Code.INVALID_ARGUMENT, () -> predict.predict(request("dense", "",
        HostTensor.ofDoubles(new long[] {1, 784}, new double[784]))));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> predict.predict(request("dense", "",
        HostTensor.ofFloats(new long[] {1, 783}, new float[783]))));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> predict.predict(PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("dense")).putInputs("y", proto(x, true)).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> predict.predict(PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("dense")).putInputs("x", TensorProto.newBuilder()
            .setDtype(DataType.DT_FLOAT).setTensorShape(shape(1, 784)).setTensorContent(ByteString.copyFrom(
                new byte[13])).build()).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> v2.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("dense").addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x")
            .setDatatype("BYTES").addShape(1).addShape(784)).build()));
    assertCode(Status.Code.UNIMPLEMENTED, () -> predict.classify(ClassificationRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("dense")).build()));
    // More than limits.maxBodyBytes (1 MiB here) in one message.
    HostTensor big = HostTensor.ofFloats(new long[] {400, 784}, new float[400 * 784]);
    assertCode(Status.Code.RESOURCE_EXHAUSTED, () -> predict.predict(request("dense", "", big)));
    // Management needs the token.
    var models = ModelServiceGrpc.newBlockingStub(channel);
    assertCode(Status.Code.UNAUTHENTICATED, () -> models.handleReloadConfigRequest(
        ReloadConfigRequest.getDefaultInstance()));
    assertCode(Status.Code.UNAUTHENTICATED, () -> v2.withInterceptors(bearer("wrong-token-wrong-token"))
        .repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName("typed").build()));
    assertTrue(v2.modelReady(ModelReadyRequest.newBuilder().setName("typed").build()).getReady());
  }

  @Test
  void hugeDeclaredSizesAndMalformedMessagesAreTheClientsFault() {
    // One broadcast value declaring 2^40 floats; a shape whose product overflows; negative sizes.
    TensorProto huge = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT).setTensorShape(shape(1 << 20, 1 << 20))
        .addFloatVal(1f).build();
    assertCode(Status.Code.INVALID_ARGUMENT, () -> predict.predict(PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("dense")).putInputs("x", huge).build()));
    TensorProto overflow = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
        .setTensorShape(shape(Long.MAX_VALUE, Long.MAX_VALUE, 3)).build();
    assertCode(Status.Code.INVALID_ARGUMENT, () -> predict.predict(PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("dense")).putInputs("x", overflow).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> v2.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("dense").addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x")
            .setDatatype("FP32").addShape(-1).addShape(784)).build()));
    assertCode(Status.Code.INVALID_ARGUMENT, () -> v2.modelInfer(ModelInferRequest.newBuilder()
        .setModelName("dense").addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("x")
            .setDatatype("FP32").addShape(1).addShape(784)).addRawInputContents(ByteString.copyFrom(new byte[7]))
        .build()));
    // Bytes that are no protobuf message at all (a truncated varint, a field of wire type 7).
    for (byte[] junk : new byte[][] {{(byte) 0x0a, (byte) 0xff}, {(byte) 0xff, (byte) 0xff, (byte) 0xff},
        {0x0f, 0x01}}) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> ClientCalls.blockingUnaryCall(
          channel, rawMethod(PredictionServiceGrpc.getPredictMethod().getFullMethodName()),
          CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), junk));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    }
    // The server still answers.
    assertTrue(v2.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
  }

  @Test
  void serverDeadlineIsDeadlineExceeded() throws Exception {
    try (ModelServer slow = ModelServer.start(ServerConfig.builder(SERVER.server.config().modelsRoot()).port(0)
        .grpcPort(-1).pollInterval(Duration.ZERO).requestTimeout(Duration.ofNanos(1)).build())) {
      ManagedChannel c = ManagedChannelBuilder.forAddress("127.0.0.1", slow.grpcPort()).usePlaintext().build();
      try {
        HostTensor x = HostTensor.ofFloats(new long[] {1}, new float[] {1});
        assertCode(Status.Code.DEADLINE_EXCEEDED, () -> PredictionServiceGrpc.newBlockingStub(c)
            .predict(request("half_plus_three", "", x)));
      } finally {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  // ------------------------------------------------------------------------------------------- hot swap under load

  @Test
  void hotSwapUnderAConcurrentGrpcLoopFailsNoCall() throws Exception {
    java.nio.file.Path root = SERVER.server.config().modelsRoot();
    ServeFixtures.copyDense(root, "swap", 1);
    SERVER.server.repository().refresh();
    HostTensor x = HostTensor.ofFloats(new long[] {1, 784}, new float[784]);
    var async = PredictionServiceGrpc.newBlockingStub(channel);
    List<CompletableFuture<Integer>> loops = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
    for (int t = 0; t < 4; t++) {
      loops.add(CompletableFuture.supplyAsync(() -> {
        int calls = 0;
        while (System.nanoTime() < end) {
          async.withDeadlineAfter(30, TimeUnit.SECONDS).predict(request("swap", "", x));
          calls++;
        }
        return calls;
      }));
    }
    Thread.sleep(500);
    for (long v = 2; v <= 3; v++) {
      ServeFixtures.copyDenseAtomically(root, "swap", v);
      SERVER.server.repository().refresh();
      Thread.sleep(700);
    }
    int calls = 0;
    for (CompletableFuture<Integer> f : loops) {
      calls += f.get(60, TimeUnit.SECONDS);
    }
    assertTrue(calls > 0);
    PredictResponse r = predict.predict(request("swap", "", x));
    assertEquals(3, r.getModelSpec().getVersion().getValue(), "the newest version serves after the swaps");
  }

  // ------------------------------------------------------------------------------------------------------ helpers

  static PredictRequest request(String model, String signature, HostTensor x) {
    return PredictRequest.newBuilder().setModelSpec(ModelSpec.newBuilder().setName(model)
        .setSignatureName(signature)).putInputs("x", proto(x, true)).build();
  }

  static io.grpc.ClientInterceptor bearer(String token) {
    Metadata m = new Metadata();
    m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return MetadataUtils.newAttachHeadersInterceptor(m);
  }

  static void assertCode(Status.Code code, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    if (code != Status.Code.RESOURCE_EXHAUSTED && code != Status.Code.DEADLINE_EXCEEDED) {
      assertNotNull(e.getStatus().getDescription());
    }
  }

  static TensorShapeProto shape(long... dims) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (long d : dims) {
      s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
    }
    return s.build();
  }

  /** {@code t} as a client writes it: tensor_content (as tf.make_tensor_proto does) or the typed field. */
  static TensorProto proto(HostTensor t, boolean content) {
    TensorProto.Builder b = TensorProto.newBuilder().setDtype(t.dtype()).setTensorShape(shape(t.shape()));
    if (content) {
      return b.setTensorContent(ByteString.copyFrom(t.toLittleEndian())).build();
    }
    switch (t.dtype()) {
      case DT_FLOAT -> { for (float v : (float[]) t.array()) { b.addFloatVal(v); } }
      case DT_DOUBLE -> { for (double v : (double[]) t.array()) { b.addDoubleVal(v); } }
      case DT_INT32 -> { for (int v : (int[]) t.array()) { b.addIntVal(v); } }
      default -> { for (long v : (long[]) t.array()) { b.addInt64Val(v); } }
    }
    return b.build();
  }

  static ModelInferRequest v2Request(String model, String signature, Map<String, HostTensor> inputs, boolean raw) {
    ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(model).setId("id-1");
    if (!signature.isEmpty()) {
      b.putParameters("signature_name", InferParameter.newBuilder().setStringParam(signature).build());
    }
    for (var e : new java.util.TreeMap<>(inputs).entrySet()) {
      HostTensor t = e.getValue();
      ModelInferRequest.InferInputTensor.Builder in = ModelInferRequest.InferInputTensor.newBuilder()
          .setName(e.getKey()).setDatatype(switch (t.dtype()) {
            case DT_FLOAT -> "FP32";
            case DT_DOUBLE -> "FP64";
            case DT_INT32 -> "INT32";
            default -> "INT64";
          });
      for (long d : t.shape()) {
        in.addShape(d);
      }
      if (raw) {
        b.addRawInputContents(ByteString.copyFrom(t.toLittleEndian()));
      } else {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        switch (t.dtype()) {
          case DT_FLOAT -> { for (float v : (float[]) t.array()) { c.addFp32Contents(v); } }
          case DT_DOUBLE -> { for (double v : (double[]) t.array()) { c.addFp64Contents(v); } }
          case DT_INT32 -> { for (int v : (int[]) t.array()) { c.addIntContents(v); } }
          default -> { for (long v : (long[]) t.array()) { c.addInt64Contents(v); } }
        }
        in.setContents(c);
      }
      b.addInputs(in);
    }
    return b.build();
  }

  static float[] floats(TensorProto t) {
    if (!t.getTensorContent().isEmpty()) {
      ByteBuffer bb = t.getTensorContent().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      float[] out = new float[bb.remaining() / 4];
      bb.asFloatBuffer().get(out);
      return out;
    }
    float[] out = new float[t.getFloatValCount()];
    for (int i = 0; i < out.length; i++) {
      out[i] = t.getFloatVal(i);
    }
    return out;
  }

  static float[] v2Floats(ModelInferResponse r, int output) {
    if (r.getRawOutputContentsCount() > 0) {
      ByteBuffer bb = r.getRawOutputContents(output).asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
      float[] out = new float[bb.remaining() / 4];
      bb.asFloatBuffer().get(out);
      return out;
    }
    List<Float> v = r.getOutputs(output).getContents().getFp32ContentsList();
    float[] out = new float[v.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = v.get(i);
    }
    return out;
  }

  /** The REST :predict answer for one float input, flattened. */
  static float[] restFloats(String model, String signature, String input, long[] shape, float[] x) {
    StringBuilder json = new StringBuilder("{\"signature_name\":\"" + signature + "\",\"inputs\":{\"" + input
        + "\":[");
    int row = (int) (x.length / shape[0]);
    for (int r = 0; r < shape[0]; r++) {
      json.append(r == 0 ? "[" : ",[");
      for (int i = 0; i < row; i++) {
        json.append(i == 0 ? "" : ",").append(x[r * row + i]);
      }
      json.append(']');
    }
    json.append("]}}");
    TestClient.Response resp = SERVER.client.post("/v1/models/" + model + ":predict", json.toString());
    assertEquals(200, resp.status(), resp.text());
    List<Float> out = new ArrayList<>();
    flatten(resp.json().get("outputs"), out);
    float[] f = new float[out.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = out.get(i);
    }
    return f;
  }

  static void flatten(JsonNode n, List<Float> out) {
    if (n.isArray()) {
      n.forEach(c -> flatten(c, out));
    } else {
      out.add((float) n.asDouble());
    }
  }

  static String join(List<Integer> values, int row) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < values.size(); i += row) {
      s.append(i == 0 ? "[" : ",[");
      for (int j = 0; j < row; j++) {
        s.append(j == 0 ? "" : ",").append(values.get(i + j));
      }
      s.append(']');
    }
    return s.toString();
  }

  static MethodDescriptor<byte[], byte[]> rawMethod(String fullName) {
    MethodDescriptor.Marshaller<byte[]> bytes = new MethodDescriptor.Marshaller<>() {
      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }
    };
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(fullName).setRequestMarshaller(bytes).setResponseMarshaller(bytes).build();
  }
}
