package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.aebridge.load.HostTensor;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import tensorflow.serving.PredictionServiceGrpc;

/**
 * The gRPC counterpart of {@link ServeFuzzTest}: coverage-guided fuzzing (Jazzer) of the gRPC port with raw message
 * bytes. The first byte picks the method (see {@link #METHODS}); the rest is sent as the serialized request, so
 * inputs range from malformed protobuf to well-formed messages with huge declared shapes and wrong dtypes.
 * Properties on every input: the status is never a server fault (INTERNAL, UNKNOWN, DATA_LOSS), every refusal
 * carries a message, and each call answers within {@link #PER_INPUT}; every {@link #CHECK_EVERY} inputs and at the
 * end a valid Predict still gets the right answer.
 *
 * <p>Plain {@code mvn test} runs the kept corpus under
 * {@code src/test/resources/io/aebridge/serve/GrpcFuzzTestInputs/quick/}; {@code JAZZER_FUZZ=1
 * -Dtest=GrpcFuzzTest} fuzzes for 15 s.
 */
class GrpcFuzzTest {
  static final String[] METHODS = {
      "tensorflow.serving.PredictionService/Predict",
      "inference.GRPCInferenceService/ModelInfer",
      "tensorflow.serving.PredictionService/GetModelMetadata",
      "tensorflow.serving.ModelService/GetModelStatus",
      "inference.GRPCInferenceService/ModelMetadata"};
  static final Set<Status.Code> SERVER_FAULTS = Set.of(Status.Code.INTERNAL, Status.Code.UNKNOWN,
      Status.Code.DATA_LOSS);
  static final Duration PER_INPUT = Duration.ofSeconds(10);
  static final int CHECK_EVERY = 200;

  static Path dir;
  static ModelServer server;
  static ManagedChannel channel;
  static final AtomicLong inputs = new AtomicLong();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("aebridge-grpc-fuzz");
    Path root = ServeFixtures.standardModels(dir);
    server = ModelServer.start(ServerConfig.builder(root).port(0).grpcPort(-1).pollInterval(Duration.ZERO)
        .limits(ServerConfig.Limits.defaults().withMaxBodyBytes(1 << 20)).build());
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    // Every method once, untimed, before the first timed input: the first calls load and (under Jazzer) instrument
    // the gRPC and inference classes and run each model's first session, which on a loaded machine took longer
    // than PER_INPUT (a replayed corpus input was reported as a hang). The bound is for hangs, not a cold start.
    assertValidRequestAnswered();
    for (String method : METHODS) {
      try {
        ClientCalls.blockingUnaryCall(channel, GrpcFrontEndTest.rawMethod(method),
            CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), new byte[0]);
      } catch (StatusRuntimeException refused) {
        // An empty request is refused by most methods; only the warm-up matters here.
      }
    }
  }

  @AfterAll
  static void stop() throws InterruptedException {
    try {
      assertValidRequestAnswered();
      System.out.println("GrpcFuzzTest: " + inputs.get() + " inputs, no server fault, no hang");
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      server.close();
      ServeFixtures.deleteQuietly(dir);
    }
  }

  @FuzzTest(maxDuration = "15s")
  void quick(byte[] data) {
    if (data.length == 0) {
      return;
    }
    String method = METHODS[Math.floorMod(data[0], METHODS.length)];
    byte[] body = Arrays.copyOfRange(data, 1, data.length);
    long start = System.nanoTime();
    try {
      ClientCalls.blockingUnaryCall(channel, GrpcFrontEndTest.rawMethod(method),
          CallOptions.DEFAULT.withDeadlineAfter(PER_INPUT.toMillis(), TimeUnit.MILLISECONDS), body);
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      assertFalse(SERVER_FAULTS.contains(s.getCode()), method + " answered " + s + " to "
          + Arrays.toString(Arrays.copyOf(body, Math.min(body.length, 64))));
      assertFalse(s.getCode() == Status.Code.DEADLINE_EXCEEDED, method + " did not answer within " + PER_INPUT);
      assertTrue(s.getDescription() != null && !s.getDescription().isBlank(), "no message with " + s);
    }
    assertTrue(System.nanoTime() - start < PER_INPUT.toNanos());
    if (inputs.incrementAndGet() % CHECK_EVERY == 0) {
      assertValidRequestAnswered();
    }
  }

  static void assertValidRequestAnswered() {
    var r = PredictionServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .predict(GrpcFrontEndTest.request("half_plus_three", "",
            HostTensor.ofFloats(new long[] {2}, new float[] {2f, 4f})).toBuilder()
            .putInputs("x", GrpcFrontEndTest.proto(HostTensor.ofFloats(new long[] {2}, new float[] {2f, 4f}),
                false)).build());
    assertEquals(java.util.List.of(4f, 5f), r.getOutputsOrThrow("y").getFloatValList());
  }
}
