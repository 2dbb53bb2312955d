package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.http.ManagementApiTest;
import io.aebridge.serve.repository.VersionStatus;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The security defaults and promises of README "Security", asserted on live servers: loopback bind, management
 * off, CORS off, body limit on; with a token, 401 without it and the token never in the log; the op allow-list on
 * every path a model takes in (startup, poll, management load, upload).
 */
class SecurityTest {
  @TempDir
  Path dir;

  private static final String TOKEN = "s3cret-token-never-logged-0123456789";

  @Test
  void defaultsAreLoopbackManagementOffCorsOffBodyLimitOn() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.halfPlusThree(root.resolve("half_plus_three").resolve("1"));
    ServerConfig defaults = ServerConfig.builder(root).port(0).build();
    assertEquals("127.0.0.1", defaults.host());
    try (ModelServer server = ModelServer.start(defaults)) {
      assertTrue(server.baseUrl().startsWith("http://127.0.0.1:"), server.baseUrl());
      TestClient c = new TestClient(server.baseUrl());
      TestClient.Response r = c.post("/v2/repository/models/half_plus_three/unload", "", "Authorization",
          "Bearer " + TOKEN);
      assertEquals(403, r.status(), "management is off without a token");
      r = c.send(c.builder("/v1/models/half_plus_three:predict", "Origin", "https://evil.example")
          .POST(HttpRequest.BodyPublishers.ofString("{\"instances\": [1]}")).build());
      assertEquals(200, r.status());
      assertNull(r.header("Access-Control-Allow-Origin"), "no CORS header by default");
      r = c.send(c.builder("/v1/models/half_plus_three:predict", "Origin", "https://evil.example",
          "Access-Control-Request-Method", "POST").method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build());
      assertNull(r.header("Access-Control-Allow-Origin"), "no CORS preflight by default");
      long limit = defaults.limits().maxBodyBytes();
      NastyRequestsTest.Raw big = NastyRequestsTest.send(server.port(), "POST", "/v1/models/half_plus_three:predict",
          Map.of("Content-Type", "application/json"), new NastyRequestsTest.Body(limit + 1, false,
              out -> out.write('{'), Map.of()));   // Jetty dispatches once some content arrives
      assertEquals(413, big.status(), "a body over limits.maxBodyBytes (" + limit + ") is refused unread");
    }
  }

  @Test
  void tokenIsRequiredAndNeverLogged() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.halfPlusThree(root.resolve("half_plus_three").resolve("1"));
    PrintStream err = System.err;
    PrintStream out = System.out;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    PrintStream both = new PrintStream(new TeeStream(log, err), true, StandardCharsets.UTF_8);
    System.setErr(both);
    System.setOut(both);
    try {
      ServerConfig cfg = ServerConfig.builder(root).port(0).managementToken(TOKEN).build();
      System.err.println("config: " + cfg);
      try (ModelServer server = ModelServer.start(cfg)) {
        TestClient c = new TestClient(server.baseUrl());
        String unload = "/v2/repository/models/half_plus_three/unload";
        assertEquals(401, c.post(unload, "").status(), "no token");
        assertEquals(401, c.post(unload, "", "Authorization", "Bearer " + TOKEN.substring(1)).status());
        assertEquals(401, c.post(unload, "", "Authorization", "Basic " + TOKEN).status());
        assertEquals(401, c.post(unload + "?token=" + TOKEN, "").status(), "a token in the URL is not a token");
        assertEquals(401, c.post("/v1/management/models/x/versions", new byte[] {1, 2}, "Authorization",
            "Bearer " + TOKEN + "x").status());
        assertEquals(200, c.post(unload, "", "Authorization", "Bearer " + TOKEN).status());
        assertEquals(200, c.post("/v2/repository/models/half_plus_three/load", "", "Authorization",
            "Bearer " + TOKEN).status());
        TestClient.Response bad = c.post("/v1/management/models/up/versions", new byte[] {9, 9, 9},
            "Authorization", "Bearer " + TOKEN);
        assertEquals(400, bad.status());
        assertFalse(bad.text().contains(TOKEN));
      }
    } finally {
      System.setErr(err);
      System.setOut(out);
    }
    String text = log.toString(StandardCharsets.UTF_8);
    // Request lines (logger io.aebridge.requests) are off in the test log; the server's own lines show capture.
    assertTrue(text.contains("Model server listening"), "the log was captured");
    assertFalse(text.contains(TOKEN), "the token appears in the log");
    assertFalse(text.contains(TOKEN.substring(1)), "a near-token appears in the log");
  }

  @Test
  void opAllowListOnEveryLoadPath() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.halfPlusThree(root.resolve("half_plus_three").resolve("1"));
    ServeFixtures.readsFile(root.resolve("at_start").resolve("1"));
    ServerConfig cfg = ServerConfig.builder(root).port(0).pollInterval(Duration.ofMillis(100))
        .settleTime(Duration.ofMillis(50)).managementToken(TOKEN).build();
    String predict = "{\"instances\": [1.0]}";
    try (ModelServer server = ModelServer.start(cfg)) {
      TestClient c = new TestClient(server.baseUrl());
      assertRefused(server, c, "at_start", "startup");
      ServeFixtures.readsFile(dir.resolve("staging").resolve("1"));
      Files.createDirectories(root.resolve("by_poll"));
      Files.move(dir.resolve("staging").resolve("1"), root.resolve("by_poll").resolve("1"));
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while ((!server.repository().knows("by_poll")
          || server.repository().status("by_poll").stream().noneMatch(VersionStatus::failed))
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertRefused(server, c, "by_poll", "poll");
      TestClient.Response r = c.post("/v2/repository/models/at_start/load", "", "Authorization", "Bearer " + TOKEN);
      assertTrue(r.status() >= 400 && r.status() < 500 || server.repository().status("at_start").stream()
          .allMatch(VersionStatus::failed), "management load: " + r.status() + " " + r.text());
      assertRefused(server, c, "at_start", "management load");
      Path upload = dir.resolve("upload");
      ServeFixtures.readsFile(upload);
      r = c.post("/v1/management/models/by_upload/versions", ManagementApiTest.zipFolder(upload, ""),
          "Authorization", "Bearer " + TOKEN);
      assertEquals(400, r.status(), r.text());
      assertTrue(r.error().contains("ReadFile"), r.error());
      assertFalse(Files.exists(root.resolve("by_upload").resolve("1")), "a refused upload is not installed");
      assertEquals(200, c.post("/v1/models/half_plus_three:predict", predict).status());
    }
  }

  private static void assertRefused(ModelServer server, TestClient c, String model, String path) {
    TestClient.Response r = c.post("/v1/models/" + model + ":predict", "{\"instances\": [1.0]}");
    assertTrue(r.status() == 404 || r.status() == 503, path + ": " + r.status() + " " + r.text());
    String status = server.repository().status(model).toString();
    assertTrue(status.contains("ReadFile"), path + ": the refusal names the op: " + status);
  }
}
