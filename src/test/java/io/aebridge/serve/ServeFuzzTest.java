package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.BugDetectors;
import com.code_intelligence.jazzer.api.SilentCloseable;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.aebridge.serve.http.InferenceProtocolApi;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of request decoding and validation over real HTTP, against a live server in this
 * JVM: TF Serving predict (row and columnar), OIP V2 JSON, OIP V2 binary tensors with a fuzzed
 * {@code Inference-Header-Content-Length}, and the image endpoint.
 *
 * <p>The first byte of an input picks the endpoint (see {@link #ENDPOINTS}, the byte modulo their number) and, in
 * its top two bits, the framing: 0 sends the body through {@link java.net.http.HttpClient} with a true
 * Content-Length; 1, 2 and 3 send it over a raw socket, with a Content-Length up to 127 bytes short of the body
 * (1), as a chunked encoding whose chunk sizes the input picks and sometimes misstates ({@code zz}, negative, off
 * by up to 8, 16 hex digits) (2), or as bytes the input frames itself under {@code Transfer-Encoding: chunked}
 * (3). For the binary endpoint the next four bytes are the header length; the rest is the body. Properties checked on every input: the status is never 5xx,
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
        .limits(ServerConfig.Limits.defaults().withMaxBodyBytes(1 << 20))
        // A framing that promises more than it sends is cut within a second (bodyTimeout), not the default 20 s.
        // The idle timeout stays long: the Java client pools its connection across inputs, and the raw-socket
        // framings between two pooled requests can take a second each; with a 1 s idle timeout the server closed
        // the pooled connection as the next input was sent on it ("header parser received no bytes", seen on a
        // loaded machine) — a race every keep-alive client has with a short idle timeout, not a server fault.
        .idleTimeout(Duration.ofSeconds(30)).bodyTimeout(Duration.ofSeconds(1)).build());
    client = new TestClient(server.baseUrl());
    // Warm up every path once (each endpoint, each framing) before the first timed input: the first request loads
    // and, under Jazzer, instruments hundreds of server classes, which on a loaded machine took longer than
    // PER_INPUT and was reported as a finding. The time bound is for hangs, not for a cold start.
    for (int i = 0; i < ENDPOINTS.length; i++) {
      for (int framing = 0; framing < 4; framing++) {
        byte[] input = "\0\0\0\0\0{\"instances\": [1.0]}".getBytes(StandardCharsets.US_ASCII);
        input[0] = (byte) (framing << 6 | i);
        try {
          check(input);
        } catch (AssertionError slowOrRefused) {
          // Not judged here: only the inputs the fuzzer sends are.
        }
      }
    }
    inputs.set(0);
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
    try (SilentCloseable allowed = allowThisServer()) {
      check(data);
    } catch (AssertionError finding) {
      System.err.println("ServeFuzzTest finding: " + finding.getMessage());
      throw finding;
    }
  }

  /** The short run's target: 15 s of fuzzing in tests/run-all.sh. */
  @FuzzTest(maxDuration = "15s")
  void quick(byte[] data) {
    try (SilentCloseable allowed = allowThisServer()) {
      check(data);
    } catch (AssertionError finding) {
      // In fuzzing mode the JVM ends on a finding before the test report is written: say what it was here.
      System.err.println("ServeFuzzTest finding: " + finding.getMessage());
      throw finding;
    }
  }

  /**
   * Tells Jazzer's SSRF detector that this input may connect to this server (the raw-socket framings do) and
   * nowhere else; the permission ends when the returned handle closes. Without Jazzer's agent (plain regression
   * runs load it late or not at all) there is nothing to tell.
   */
  private static SilentCloseable allowThisServer() {
    try {
      return BugDetectors.allowNetworkConnections((host, port) -> port == server.port()
          && (host.equals("127.0.0.1") || host.equals("localhost")));
    } catch (IllegalStateException noAgent) {
      return () -> { };
    }
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
    int framing = (data[0] & 0xFF) >>> 6;
    long start = System.nanoTime();
    int status;
    String text;
    if (framing == 0) {
      TestClient.Response r = client.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
      status = r.status();
      text = r.text();
    } else {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("Content-Type", which == 4 ? "image/png" : "application/json");
      if (which == BINARY) {
        headers.put(InferenceProtocolApi.HEADER_LENGTH, Integer.toString(ByteBuffer.wrap(data, 1, 4).getInt()));
      }
      NastyRequestsTest.Raw r = raw(path, headers, body, framing);
      if (r == null) {
        return;   // closed without an answer: the client's half-close came before the body was whole
      }
      status = r.status();
      text = r.text();
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(millis < PER_INPUT.toMillis(), path + " took " + millis + " ms");
    if (status >= 500) {
      throw new AssertionError(status + " from " + path + ": " + text);
    }
    if (status >= 400) {
      String error;
      try {
        error = TestClient.JSON.readTree(text).path("error").asText();
      } catch (java.io.IOException e) {
        error = "";
      }
      assertTrue(!error.isEmpty(), status + " without a message from " + path + ": " + text);
    }
    if (inputs.incrementAndGet() % CHECK_EVERY == 0) {
      assertValidRequestAnswered();
    }
  }

  /**
   * Sends {@code body} to {@code path} over a raw socket in the given framing (see the class comment), half-closes,
   * and reads the answer; {@code null} when the server closed without one.
   */
  static NastyRequestsTest.Raw raw(String path, Map<String, String> headers, byte[] body, int framing) {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
    if (framing == 1) {
      int shortBy = body.length == 0 ? 0 : body[0] & 0x7F;
      head.append("Content-Length: ").append(Math.max(0, body.length - shortBy)).append("\r\n\r\n");
      wire.writeBytes(ascii(head));
      wire.writeBytes(body);
    } else {
      head.append("Transfer-Encoding: chunked\r\n\r\n");
      wire.writeBytes(ascii(head));
      if (framing == 3) {
        wire.writeBytes(body);
      } else {
        chunked(body, wire);
      }
    }
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
      s.setSoTimeout((int) PER_INPUT.toMillis());
      try {
        s.getOutputStream().write(wire.toByteArray());
        s.getOutputStream().flush();
        s.shutdownOutput();
      } catch (java.io.IOException answeredEarly) {
        // The server answered before reading everything and closed: read what it said.
      }
      byte[] answer = s.getInputStream().readAllBytes();
      return answer.length == 0 ? null : NastyRequestsTest.parse(answer);
    } catch (java.net.SocketTimeoutException e) {
      throw new AssertionError("No answer within " + PER_INPUT + " from " + path + " (framing " + framing + ")", e);
    } catch (java.io.IOException e) {
      return null;   // reset by the server after a refused body: no answer to judge
    }
  }

  /**
   * {@code body} as chunks: each step takes a length byte (chunk of 1–64 bytes) and a byte that may make the size
   * line lie; the terminating chunk always follows.
   */
  private static void chunked(byte[] body, ByteArrayOutputStream wire) {
    int at = 0;
    while (at + 2 <= body.length) {
      int n = Math.min(1 + (body[at] & 0x3F), body.length - at - 2);
      int lie = body[at + 1] & 0xFF;
      at += 2;
      String size = switch (lie & 0x0F) {
        case 0 -> "zz";
        case 1 -> Integer.toString(-n);
        case 2 -> Integer.toHexString(Math.max(0, n + (lie >>> 4) - 8));
        case 3 -> "ffffffffffffffff";
        default -> Integer.toHexString(n);
      };
      if (n <= 0) {
        break;
      }
      wire.writeBytes((size + "\r\n").getBytes(StandardCharsets.US_ASCII));
      wire.write(body, at, n);
      wire.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      at += n;
    }
    wire.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] ascii(CharSequence s) {
    return s.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  static void assertValidRequestAnswered() {
    TestClient.Response ok = client.post("/v1/models/half_plus_three:predict", "{\"instances\": [1.0, 2.0]}");
    assertEquals(200, ok.status(), ok.text());
    assertEquals("[3.5,4.0]", ok.json().path("predictions").toString());
  }
}
