package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 item 1: connections that hold half-sent request bodies, or send them one byte at a time, must not starve
 * the clients behind them. A functional liveness check, not a timing goal: while 300 such connections are open (more
 * than Jetty's request thread pool), a health check and a single-sample {@code :predict} from another client must
 * each be answered within {@link #LIVE_WITHIN_MS} (milliseconds on an idle machine; the bound leaves room for a
 * shared, heavily loaded one); before the fix they waited for the 30 s idle timeout of the stalled ones.
 * The 2,000-connection measurement with p99 latencies is {@code tests/reliability/slow-clients.sh}.
 */
class SlowClientsTest {
  private static final int CONNECTIONS = 300;
  private static final int LIVE_WITHIN_MS = 5000;
  private static final String PREDICT = "/v1/models/half_plus_three:predict";

  @RegisterExtension
  static final StandardServer SERVER = new StandardServer();

  @Test
  void halfSentBodiesStarveNoOne() throws Exception {
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < CONNECTIONS; i++) {
        stalled.add(open("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: 5000\r\n\r\n{\"instances\":"));
      }
      assertLive(CONNECTIONS + " connections hold half-sent bodies");
    } finally {
      closeAll(stalled);
    }
  }

  @Test
  void oneBytePerSecondBodiesStarveNoOne() throws Exception {
    List<Socket> dribbling = new ArrayList<>();
    try {
      for (int i = 0; i < CONNECTIONS; i++) {
        dribbling.add(open("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + "Content-Length: 5000\r\n\r\n{"));
      }
      for (int second = 0; second < 3; second++) {
        for (Socket s : dribbling) {
          OutputStream o = s.getOutputStream();
          o.write(' ');
          o.flush();
        }
        assertLive(CONNECTIONS + " connections send their bodies one byte per second (second " + second + ")");
        Thread.sleep(1000);
      }
    } finally {
      closeAll(dribbling);
    }
  }

  /**
   * Item 2's other half: a body that stops arriving gets a 408 with the usual JSON and the request id, when the
   * connection goes silent for {@code idleTimeout} (1 s here) or when the whole body has not come within
   * {@code bodyTimeout} (2 s here, reached by a client that sends a byte every 300 ms), for Content-Length and for
   * chunked bodies.
   */
  @Test
  void aBodyThatStopsArrivingGets408WithTheUsualJson(@TempDir Path dir) throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.halfPlusThree(root.resolve("half_plus_three").resolve("1"));
    ServerConfig cfg = ServerConfig.builder(root).port(0).pollInterval(Duration.ZERO)
        .idleTimeout(Duration.ofSeconds(1)).bodyTimeout(Duration.ofSeconds(2)).build();
    try (ModelServer server = ModelServer.start(cfg)) {
      String head = "POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
          + "X-Request-Id: stalled-1\r\n";
      assertTimedOut(server, head + "Content-Length: 5000\r\n\r\n{\"instances\":", 0, "stopped arriving");
      assertTimedOut(server, head + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"ins\r\n", 0, "stopped arriving");
      assertTimedOut(server, head + "Content-Length: 5000\r\n\r\n{", 300, "within bodyTimeout (2 s)");
      assertTimedOut(server, head + "Transfer-Encoding: chunked\r\n\r\n", 300, "within bodyTimeout (2 s)");
      assertEquals(200, new TestClient(server.baseUrl()).post(PREDICT, "{\"instances\": [1]}").status());
    }
  }

  /** Sends {@code head}, then a body byte every {@code dribbleMillis} (0: nothing more); expects a 408 within 5 s. */
  private static void assertTimedOut(ModelServer server, String head, int dribbleMillis, String phrase)
      throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
      s.setSoTimeout(5000);
      OutputStream o = s.getOutputStream();
      o.write(head.getBytes(StandardCharsets.US_ASCII));
      o.flush();
      InputStream in = s.getInputStream();
      long start = System.nanoTime();
      while (dribbleMillis > 0 && in.available() == 0 && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5)) {
        Thread.sleep(dribbleMillis);
        try {
          // A chunk of one space (JSON whitespace), or one body byte.
          o.write((head.contains("chunked") ? "1\r\n \r\n" : " ").getBytes(StandardCharsets.US_ASCII));
          o.flush();
        } catch (IOException closed) {
          break;
        }
      }
      String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
      assertTrue(answer.contains("X-Request-Id: stalled-1"), answer);
      assertTrue(answer.contains("Content-Type: application/json"), answer);
      String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
      String error = TestClient.JSON.readTree(body).path("error").asText();
      assertTrue(error.contains(phrase), "the message should say '" + phrase + "': " + error);
    }
  }

  private static Socket open(String head) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", SERVER.server.port()), 5000);
    s.setSoTimeout(10_000);
    OutputStream o = s.getOutputStream();
    o.write(head.getBytes(StandardCharsets.US_ASCII));
    o.flush();
    return s;
  }

  /** Health and a single-sample predict over fresh connections, each answered within {@link #LIVE_WITHIN_MS}. */
  private static void assertLive(String while_) throws IOException {
    String health = exchange("GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", while_);
    assertTrue(health.startsWith("HTTP/1.1 200"), "health while " + while_ + ": " + health);
    String body = "{\"instances\": [1.0]}";
    String predict = exchange("POST " + PREDICT + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body, while_);
    assertTrue(predict.startsWith("HTTP/1.1 200"), "predict while " + while_ + ": " + predict);
    assertTrue(predict.replace(" ", "").contains("{\"predictions\":[3.5]}"), predict);
  }

  private static String exchange(String request, String while_) throws IOException {
    long start = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", SERVER.server.port()), LIVE_WITHIN_MS);
      s.setSoTimeout(LIVE_WITHIN_MS);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } catch (java.net.SocketTimeoutException e) {
      throw new AssertionError("No answer within " + LIVE_WITHIN_MS + " ms (" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
          + " ms) while " + while_, e);
    }
  }

  private static void closeAll(List<Socket> sockets) throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
  }
}
