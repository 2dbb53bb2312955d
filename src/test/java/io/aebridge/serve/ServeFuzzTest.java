package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of request decoding and validation over real HTTP, against a live server in this
 * JVM: TF Serving predict (row and columnar), OIP V2 JSON, OIP V2 binary tensors with a fuzzed
 * {@code Inference-Header-Content-Length}, and the image endpoint.
 *
 * <p>The first byte of an input picks the endpoint (see {@link #ENDPOINTS}); for the binary endpoint the next four
 * bytes are the header length; the rest is the body. Properties checked on every input: the status is never 5xx,
 * a 4xx carries a non-empty {@code {"error"}} message, and each request answers within {@link #PER_INPUT}; every
 * {@link #CHECK_EVERY} inputs and at the end, a valid request must still get the right answer.
 *
 * <p>Plain {@code mvn test} (regression mode) runs the kept corpus under
 * {@code src/test/resources/io/aebridge/serve/ServeFuzzTestInputs/<method>/}. {@code JAZZER_FUZZ=1} fuzzes one
 * method per run: {@link #quick} for 15 s (tests/run-all.sh), {@link #requests} for 100,000 inputs
 * (tests/reliability/long-fuzz.sh).
 */
class ServeFuzzTest {
  static final String[] ENDPOINTS = {
      "/v1/models/half_plus_three:predict",
      "/v1/models/typed/versions/1:predict",
      "/v2/models/multi_io/infer",
      "/v2/models/dense/infer",        // binary: 4 bytes of Inference-Header-Content-Length first
      "/v1/ae/dense/image",
      "/v1/ae/dense/encode"};
  static final int BINARY = 3;
  static final Duration PER_INPUT = Duration.ofSeconds(10);
  static final int CHECK_EVERY = 200;

  static Path dir;
  static ModelServer server;
  static TestClient client;
  static final AtomicLong inputs = new AtomicLong();
  /** Inputs whose check threw: the closing line claims "no 5xx, no hang" only when there were none. */
  static final AtomicLong findings = new AtomicLong();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("aebridge-fuzz");
    Path root = ServeFixtures.standardModels(dir);
    server = ModelServer.start(ServerConfig.builder(root).port(0).pollInterval(Duration.ZERO)
        .limits(ServerConfig.Limits.defaults().withMaxBodyBytes(1 << 20)).build());
    client = new TestClient(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    try {
      assertValidRequestAnswered();
      if (findings.get() == 0) {
        System.out.println("ServeFuzzTest: " + inputs.get() + " inputs, no 5xx, no hang");
      } else {
        System.out.println("ServeFuzzTest: " + inputs.get() + " inputs, " + findings.get() + " FINDING(S)");
      }
    } finally {
      server.close();
      ServeFixtures.deleteQuietly(dir);
    }
  }

  /** The long run's target (and the regression corpus in plain {@code mvn test}). */
  @FuzzTest(maxExecutions = 100_000, maxDuration = "60m")
  void requests(byte[] data) {
    check(data);
  }

  /** The short run's target: 15 s of fuzzing in tests/run-all.sh. */
  @FuzzTest(maxDuration = "15s")
  void quick(byte[] data) {
    check(data);
  }

  static void check(byte[] data) {
    try {
      checkOne(data);
    } catch (RuntimeException | Error e) {
      findings.incrementAndGet();
      throw e;
    }
  }

  private static void checkOne(byte[] data) {
    if (data.length == 0) {
      return;
    }
    int which = Math.floorMod(data[0], ENDPOINTS.length);
    int offset = 1;
    String path = ENDPOINTS[which];
    HttpRequest.Builder b = client.builder(path).timeout(PER_INPUT);
    if (which == BINARY) {
      if (data.length < 5) {
        return;
      }
      b.header(InferenceProtocolApi.HEADER_LENGTH, Integer.toString(ByteBuffer.wrap(data, 1, 4).getInt()));
      offset = 5;
    }
    byte[] body = java.util.Arrays.copyOfRange(data, offset, data.length);
    if (which == 4) {
      b.header("Content-Type", "image/png");
    }
    long start = System.nanoTime();
    TestClient.Response r = client.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < PER_INPUT.toMillis(), path + " took " + millis + " ms");
    if (r.status() >= 500) {
      throw new AssertionError(r.status() + " from " + path + ": " + r.text());
    }
    if (r.status() >= 400) {
      assertTrue(!r.error().isEmpty(), r.status() + " without a message from " + path + ": " + r.text());
    }
    if (inputs.incrementAndGet() % CHECK_EVERY == 0) {
      assertValidRequestAnswered();
    }
  }

  static void assertValidRequestAnswered() {
    TestClient.Response ok = client.post("/v1/models/half_plus_three:predict", "{\"instances\": [1.0, 2.0]}");
    assertEquals(200, ok.status(), ok.text());
    assertEquals("[3.5,4.0]", ok.json().path("predictions").toString());
  }
}
