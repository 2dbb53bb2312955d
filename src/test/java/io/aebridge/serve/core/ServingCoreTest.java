package io.aebridge.serve.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.tensorflow.proto.DataType;

/** The core against a fake backend: version resolution, the one request check, output filter, error codes. */
class ServingCoreTest {
  private static final SignatureInfo DOUBLE_IT = new SignatureInfo("serving_default", "tensorflow/serving/predict",
      List.of(new TensorSpec("x", "x:0", DataType.DT_FLOAT, new long[] {-1, 2})),
      List.of(new TensorSpec("y", "y:0", DataType.DT_FLOAT, new long[] {-1, 2}),
          new TensorSpec("z", "z:0", DataType.DT_FLOAT, new long[] {-1, 2})));
  private static final SignatureInfo PAIR = new SignatureInfo("pair", "tensorflow/serving/predict",
      List.of(new TensorSpec("a", "a:0", DataType.DT_FLOAT, new long[] {-1, 1}),
          new TensorSpec("b", "b:0", DataType.DT_INT64, new long[] {-1})),
      List.of(new TensorSpec("s", "s:0", DataType.DT_STRING, new long[] {-1})));

  /** Serves model "m" versions 1 and 2 (label "stable" → 1); run returns y = 2x and z = x. */
  private static final class FakeBackend implements ModelBackend {
    final AtomicInteger open = new AtomicInteger();
    final List<VersionSelector> asked = new ArrayList<>();

    @Override
    public ServedModel acquire(String model, VersionSelector version) {
      asked.add(version);
      if (!model.equals("m")) {
        throw ServingException.notFound("No model '" + model + "'");
      }
      long v = version instanceof VersionSelector.Number n ? n.version()
          : version instanceof VersionSelector.Label l && l.label().equals("stable") ? 1 : 2;
      open.incrementAndGet();
      Map<String, SignatureInfo> sigs = new LinkedHashMap<>();
      sigs.put(DOUBLE_IT.key(), DOUBLE_IT);
      sigs.put(PAIR.key(), PAIR);
      return new ServedModel() {
        boolean closed;

        @Override
        public String name() {
          return model;
        }

        @Override
        public long version() {
          return v;
        }

        @Override
        public Map<String, SignatureInfo> signatures() {
          return sigs;
        }

        @Override
        public Optional<String> defaultSignature() {
          return Optional.of("serving_default");
        }

        @Override
        public void close() {
          if (!closed) {
            closed = true;
            open.decrementAndGet();
          }
        }
      };
    }

    @Override
    public Map<String, HostTensor> run(ServedModel model, SignatureInfo signature, Map<String, HostTensor> inputs,
        long deadlineNanos) {
      HostTensor x = inputs.get("x");
      if (x.shape()[0] == 3) {
        throw new TFInvalidArgumentException("Incompatible shapes\nstack trace");
      }
      float[] in = x.floats();
      float[] twice = new float[in.length];
      for (int i = 0; i < in.length; i++) {
        twice[i] = 2 * in[i];
      }
      Map<String, HostTensor> out = new LinkedHashMap<>();
      out.put("y", HostTensor.ofFloats(x.shape(), twice));
      out.put("z", x);
      return out;
    }
  }

  private final FakeBackend backend = new FakeBackend();
  private final InferenceStatistics stats = new InferenceStatistics();
  private final ServingCore core = new ServingCore(backend, 4, Duration.ofSeconds(5), stats);

  private static Map<String, HostTensor> x(int rows) {
    return Map.of("x", HostTensor.ofFloats(new long[] {rows, 2}, new float[rows * 2]));
  }

  @Test
  void answersWithResolvedVersionSignatureAndEveryOutputInSignatureOrder() {
    Map<String, HostTensor> in = Map.of("x", HostTensor.ofFloats(new long[] {1, 2}, new float[] {1, 2}));
    InferenceResponse r = core.infer(InferenceRequest.of("m", null, "", in), core.deadline());
    assertEquals("m", r.model());
    assertEquals(2, r.version());
    assertEquals("serving_default", r.signature());
    assertEquals(List.of("y", "z"), List.copyOf(r.outputs().keySet()));
    assertArrayEquals(new float[] {2, 4}, r.outputs().get("y").floats());
    assertEquals(0, backend.open.get(), "the core releases the version it acquired");

    InferenceResponse labelled = core.infer(InferenceRequest.of("m", new VersionSelector.Label("stable"),
        "serving_default", in), core.deadline());
    assertEquals(1, labelled.version());
  }

  @Test
  void outputFilterKeepsOnlyTheNamedOutputsInItsOrder() {
    InferenceRequest request = new InferenceRequest("m", VersionSelector.parseNumber("m", "7"), "", x(1),
        List.of("z"));
    InferenceResponse r = core.infer(request, core.deadline());
    assertEquals(List.of("z"), List.copyOf(r.outputs().keySet()));
    assertEquals(7, r.version());

    ServingException unknown = assertThrows(ServingException.class, () -> core.infer(
        new InferenceRequest("m", null, "", x(1), List.of("nope")), core.deadline()));
    assertEquals(ErrorCode.INVALID_ARGUMENT, unknown.code());
    assertTrue(unknown.getMessage().contains("its outputs are [y, z]"), unknown.getMessage());
  }

  @Test
  void everyMismatchIsOneInvalidArgumentNamingWhatWasExpected() {
    ServingException e;
    e = refused(Map.of("w", HostTensor.ofFloats(new long[] {1, 2}, new float[2])));
    assertTrue(e.getMessage().contains("has no input 'w'; its inputs are [x]"), e.getMessage());
    e = refused(Map.of());
    assertTrue(e.getMessage().contains("needs input 'x' (DT_FLOAT (-1, 2))"), e.getMessage());
    e = refused(Map.of("x", HostTensor.ofDoubles(new long[] {1, 2}, new double[2])));
    assertTrue(e.getMessage().contains("expects DT_FLOAT (FP32), got DT_DOUBLE (FP64)"), e.getMessage());
    e = refused(Map.of("x", HostTensor.ofFloats(new long[] {1, 3}, new float[3])));
    assertTrue(e.getMessage().contains("expects shape (-1, 2), got [1, 3]"), e.getMessage());
    e = refused(x(5));
    assertTrue(e.getMessage().contains("batch of 5 samples; the limit is 4 (limits.maxBatch)"), e.getMessage());
    assertEquals(0, backend.open.get());
  }

  private ServingException refused(Map<String, HostTensor> inputs) {
    ServingException e = assertThrows(ServingException.class,
        () -> core.infer(InferenceRequest.of("m", null, "", inputs), core.deadline()));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), e.getMessage());
    return e;
  }

  @Test
  void batchSizesMustAgreeOnlyWhereTheRequestSaysSo() {
    Map<String, HostTensor> in = new LinkedHashMap<>();
    in.put("a", HostTensor.ofFloats(new long[] {2, 1}, new float[2]));
    in.put("b", HostTensor.ofLongs(new long[] {3}, new long[3]));
    ServingException e = assertThrows(ServingException.class, () -> core.infer(
        new InferenceRequest("m", null, "pair", in, List.of(), true), core.deadline()));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("'a' 2, 'b' 3") && e.getMessage().contains("one batch size"), e.getMessage());
    // Without the rule the same inputs pass the check and fail later, only on the unservable output.
    ServingException later = assertThrows(ServingException.class,
        () -> core.infer(new InferenceRequest("m", null, "pair", in, List.of()), core.deadline()));
    assertTrue(later.getMessage().contains("DT_STRING"), later.getMessage());
  }

  @Test
  void unservableOutputsAreRefusedBeforeRunning() {
    Map<String, HostTensor> in = Map.of("a", HostTensor.ofFloats(new long[] {2, 1}, new float[2]),
        "b", HostTensor.ofLongs(new long[] {3}, new long[3]));
    ServingException e = assertThrows(ServingException.class,
        () -> core.infer(InferenceRequest.of("m", null, "pair", in), core.deadline()));
    assertEquals(ErrorCode.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("returns 's' as DT_STRING"), e.getMessage());
  }

  @Test
  void unknownModelsSignaturesAndVersionTextAreNotFound() {
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ServingException.class,
        () -> core.infer(InferenceRequest.of("other", null, "", x(1)), core.deadline())).code());
    ServingException sig = assertThrows(ServingException.class,
        () -> core.infer(InferenceRequest.of("m", null, "encode", x(1)), core.deadline()));
    assertEquals(ErrorCode.NOT_FOUND, sig.code());
    assertTrue(sig.getMessage().contains("its signatures are [serving_default, pair]"), sig.getMessage());
    for (String text : List.of("-1", "abc", "", "1.5", "99999999999999999999", "m:predict")) {
      ServingException v = assertThrows(ServingException.class, () -> VersionSelector.parseNumber("m", text));
      assertEquals(ErrorCode.NOT_FOUND, v.code());
      assertTrue(v.getMessage().startsWith("Version '"), v.getMessage());
    }
    assertEquals(12, VersionSelector.parseNumber("m", "12").version());
    // TF Serving serves a version folder 0 and reads leading zeros: so does a request path.
    assertEquals(0, VersionSelector.parseNumber("m", "0").version());
    assertEquals(123, VersionSelector.parseNumber("m", "00000123").version());
    assertEquals(0, backend.open.get());
  }

  @Test
  void deadlinesAndTensorFlowRefusalsBecomeCodes() {
    ServingException tf = assertThrows(ServingException.class,
        () -> core.infer(InferenceRequest.of("m", null, "", x(3)), core.deadline()));
    assertEquals(ErrorCode.INVALID_ARGUMENT, tf.code());
    assertEquals("TensorFlow rejected the input: Incompatible shapes", tf.getMessage());
    long clientFirst = core.deadline(Duration.ofMillis(10));
    assertTrue(clientFirst - System.nanoTime() <= Duration.ofMillis(10).toNanos());
    assertTrue(core.deadline(Duration.ofHours(1)) - System.nanoTime() <= Duration.ofSeconds(5).toNanos());
    assertEquals(0, backend.open.get());
  }

  @Test
  void inferAsyncAnswersAndCountsAsInferDoes() throws Exception {
    Map<String, HostTensor> in = Map.of("x", HostTensor.ofFloats(new long[] {1, 2}, new float[] {1, 2}));
    InferenceRequest request = new InferenceRequest("m", VersionSelector.LATEST, "", in, List.of("y"));
    InferenceResponse sync = core.infer(request, core.deadline());
    try (ServedModel m = core.acquire("m", VersionSelector.LATEST)) {
      InferenceResponse async = core.inferAsync(m, request, core.deadline()).get(10, TimeUnit.SECONDS);
      assertEquals(sync.version(), async.version());
      assertEquals(List.of("y"), List.copyOf(async.outputs().keySet()));
      assertArrayEquals(sync.outputs().get("y").floats(), async.outputs().get("y").floats());
      // Refused before queueing: thrown at once; refused by TensorFlow: the future fails with the same code.
      assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(ServingException.class,
          () -> core.inferAsync(m, InferenceRequest.of("m", null, "", x(5)), core.deadline())).code());
      ExecutionException failed = assertThrows(ExecutionException.class,
          () -> core.inferAsync(m, InferenceRequest.of("m", null, "", x(3)), core.deadline()).get(10,
              TimeUnit.SECONDS));
      ServingException tf = assertInstanceOf(ServingException.class, failed.getCause());
      assertEquals(ErrorCode.INVALID_ARGUMENT, tf.code());
      assertEquals("TensorFlow rejected the input: Incompatible shapes", tf.getMessage());
    }
    InferenceStatistics.Snapshot v2 = stats.snapshot("m", 2);
    assertEquals(2, v2.success().count(), "infer and inferAsync each counted once");
    assertEquals(2, v2.fail().count());
    assertEquals(0, backend.open.get());
  }

  @Test
  void requestsAreImmutableAndRefuseDuplicateFilters() {
    Map<String, HostTensor> in = new LinkedHashMap<>(x(1));
    InferenceRequest r = InferenceRequest.of("m", null, null, in);
    in.clear();
    assertFalse(r.inputs().isEmpty());
    assertEquals("", r.signature());
    assertEquals(VersionSelector.LATEST, r.version());
    assertThrows(UnsupportedOperationException.class, () -> r.inputs().clear());
    assertEquals(ErrorCode.INVALID_ARGUMENT, assertThrows(ServingException.class,
        () -> new InferenceRequest("m", null, "", x(1), List.of("y", "y"))).code());
  }

  @Test
  void everyRequestThatReachedAVersionIsCountedOnceAsSuccessOrFail() {
    assertEquals(0, stats.snapshot("m", 2).success().count());
    core.infer(InferenceRequest.of("m", null, "", x(2)), core.deadline());
    core.infer(InferenceRequest.of("m", new VersionSelector.Number(1), "", x(1)), core.deadline());
    assertThrows(ServingException.class, () -> core.infer(InferenceRequest.of("m", null, "", x(5)),
        core.deadline()));
    assertThrows(ServingException.class, () -> core.infer(InferenceRequest.of("m", null, "", x(3)),
        core.deadline()));
    assertThrows(ServingException.class, () -> core.infer(InferenceRequest.of("other", null, "", x(1)),
        core.deadline()));
    InferenceStatistics.Snapshot v2 = stats.snapshot("m", 2);
    assertEquals(1, v2.success().count());
    assertEquals(2, v2.inferenceCount(), "samples of the successful request");
    assertEquals(2, v2.fail().count(), "the batch over the limit and TensorFlow's refusal");
    assertTrue(v2.lastInferenceMillis() > 0);
    assertEquals(1, stats.snapshot("m", 1).success().count());
    assertEquals(0, stats.snapshot("other", 2).fail().count(), "an unknown model has no version to count");
    stats.execution("m", 2, 8, 100);
    stats.execution("m", 2, 8, 50);
    stats.execution("m", 2, 1, 7);
    v2 = stats.snapshot("m", 2);
    assertEquals(3, v2.executionCount());
    assertEquals(List.of(new InferenceStatistics.BatchStat(1, new InferenceStatistics.Timing(1, 7)),
        new InferenceStatistics.BatchStat(8, new InferenceStatistics.Timing(2, 150))), v2.batches());
  }

  @Test
  void refinementsNameTheirCanonicalCode() {
    for (ErrorCode c : ErrorCode.values()) {
      assertEquals(c.canonical().rpcCode(), c.rpcCode(), c.name());
      assertEquals(c.canonical(), c.canonical().canonical(), c.name());
    }
    assertEquals(ErrorCode.RESOURCE_EXHAUSTED, ErrorCode.PAYLOAD_TOO_LARGE.canonical());
  }
}
