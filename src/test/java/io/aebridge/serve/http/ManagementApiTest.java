package io.aebridge.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aebridge.serve.ModelServer;
import io.aebridge.serve.ServeFixtures;
import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.TestClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The token gate, load/unload, and uploads with their zip-slip, size and allow-list checks. */
public class ManagementApiTest {
  static final String TOKEN = "test-token-0123456789abcdef";
  @TempDir
  static Path dir;
  static Path root;
  static ModelServer server;
  static TestClient client;

  @BeforeAll
  static void start() throws Exception {
    root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.copyDense(root, "dense", 1);
    ServeFixtures.halfPlusThree(root.resolve("half_plus_three").resolve("1"));
    server = ModelServer.start(ServerConfig.builder(root).port(0).pollInterval(Duration.ofHours(1))
        .managementToken(TOKEN).limits(ServerConfig.Limits.defaults().withUpload(4 << 20, 8 << 20, 200)).build());
    client = new TestClient(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static String[] auth() {
    return new String[] {"Authorization", "Bearer " + TOKEN};
  }

  static byte[] zip(Map<String, byte[]> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      for (Map.Entry<String, byte[]> e : entries.entrySet()) {
        z.putNextEntry(new ZipEntry(e.getKey()));
        z.write(e.getValue());
        z.closeEntry();
      }
    }
    return out.toByteArray();
  }

  public static byte[] zipFolder(Path folder, String prefix) throws IOException {
    Map<String, byte[]> entries = new java.util.TreeMap<>();
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        if (Files.isRegularFile(p)) {
          entries.put(prefix + folder.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
        }
      }
    }
    return zip(entries);
  }

  @Test
  void tokenGate() {
    TestClient.Response r = client.post("/v2/repository/models/dense/unload", "");
    assertEquals(401, r.status());
    assertEquals("Bearer", r.header("WWW-Authenticate"));
    r = client.post("/v2/repository/models/dense/unload", "", "Authorization", "Bearer wrong-token-0123456789");
    assertEquals(401, r.status());
    r = client.post("/v2/repository/models/dense/unload", "", "Authorization", "Bearer " + TOKEN + "x");
    assertEquals(401, r.status());
    r = client.post("/v1/management/models/x/versions", new byte[] {1, 2, 3});
    assertEquals(401, r.status());
    assertFalse(r.text().contains(TOKEN));
    assertEquals(200, client.post("/v2/repository/index", "").status(), "index is read-only and open");
  }

  @Test
  void disabledWithoutAToken() throws Exception {
    Path empty = Files.createDirectories(dir.resolve("empty"));
    try (ModelServer plain = ModelServer.start(ServerConfig.builder(empty).port(0).build())) {
      TestClient c = new TestClient(plain.baseUrl());
      TestClient.Response r = c.post("/v2/repository/models/dense/load", "", auth());
      assertEquals(403, r.status());
      assertTrue(r.error().contains("disabled"), r.error());
      assertEquals(403, c.post("/v1/management/models/x/versions", new byte[] {1}, auth()).status());
    }
  }

  @Test
  void unloadAndLoad() {
    String predict = "{\"instances\": [1.0]}";
    assertEquals(200, client.post("/v1/models/half_plus_three:predict", predict).status());
    assertEquals(200, client.post("/v2/repository/models/half_plus_three/unload", "", auth()).status());
    TestClient.Response r = client.post("/v1/models/half_plus_three:predict", predict);
    assertEquals(404, r.status());
    JsonNode index = client.post("/v2/repository/index", "").json();
    assertTrue(index.toString().contains("unloaded"), index.toString());
    assertEquals(200, client.get("/v1/models/dense").status(), "other models keep serving");
    assertEquals(200, client.post("/v2/repository/models/half_plus_three/load", "", auth()).status());
    assertEquals("{\"predictions\":[3.5]}", client.post("/v1/models/half_plus_three:predict", predict).text());
    assertEquals(404, client.post("/v2/repository/models/nope/load", "", auth()).status());
    assertEquals(404, client.post("/v2/repository/models/nope/unload", "", auth()).status());
    assertEquals(400, client.post("/v2/repository/models/%2e%2e/load", "", auth()).status());
  }

  @Test
  void uploadInstallsANewVersion() throws Exception {
    Path source = dir.resolve("upload-src");
    ServeFixtures.halfPlusThree(source);
    TestClient.Response r = client.post("/v1/management/models/uploaded/versions", zipFolder(source, "export/"),
        auth());
    assertEquals(200, r.status(), r.text());
    assertEquals("1", r.json().get("version").asText());
    assertEquals("AVAILABLE", r.json().get("state").asText());
    // The version list has TF Serving's model_version_status shape, as GET /v1/models/{m} answers it.
    assertEquals(client.get("/v1/models/uploaded").json().get("model_version_status"),
        r.json().get("model_version_status"));
    assertEquals("OK", r.json().at("/model_version_status/0/status/error_code").asText(), r.text());
    assertEquals("{\"predictions\":[4.0]}", client.post("/v1/models/uploaded:predict", "{\"instances\": [2]}").text());
    r = client.post("/v1/management/models/uploaded/versions", zipFolder(source, ""), auth());
    assertEquals(200, r.status(), r.text());
    assertEquals("2", r.json().get("version").asText());
    r = client.post("/v1/management/models/uploaded/versions?version=2", zipFolder(source, ""), auth());
    assertEquals(409, r.status());
    try (Stream<Path> left = Files.list(root.resolve("uploaded"))) {
      assertEquals(2, left.count(), "no temporary upload folder is left behind");
    }
  }

  @Test
  void uploadsAreChecked() throws Exception {
    TestClient.Response r = client.post("/v1/management/models/evil/versions", zip(Map.of(
        "saved_model.pb", new byte[] {1}, "../../escaped.txt", "gotcha".getBytes())), auth());
    assertEquals(400, r.status());
    assertTrue(r.error().contains("escapes"), r.error());
    assertFalse(Files.exists(root.resolve("escaped.txt")) || Files.exists(dir.resolve("escaped.txt")));
    r = client.post("/v1/management/models/evil/versions", zip(Map.of("/etc/passwd2", new byte[] {1})), auth());
    assertEquals(400, r.status());
    r = client.post("/v1/management/models/evil/versions", "definitely not a zip".getBytes(), auth());
    assertEquals(400, r.status(), r.text());
    r = client.post("/v1/management/models/evil/versions", zip(Map.of("README", "hi".getBytes())), auth());
    assertEquals(400, r.status());
    assertTrue(r.error().contains("saved_model.pb"), r.error());

    Path reads = dir.resolve("reads-file");
    ServeFixtures.readsFile(reads);
    r = client.post("/v1/management/models/evil/versions", zipFolder(reads, ""), auth());
    assertEquals(400, r.status());
    assertTrue(r.error().contains("ReadFile") && r.error().contains("allow-list"), r.error());

    r = client.post("/v1/management/models/evil/versions", zip(Map.of("saved_model.pb", "garbage".getBytes())),
        auth());
    assertEquals(400, r.status(), r.text());

    byte[] big = new byte[5 << 20];
    r = client.post("/v1/management/models/evil/versions", big, auth());
    assertEquals(413, r.status());
    byte[] bomb = zip(Map.of("saved_model.pb", new byte[9 << 20]));
    assertTrue(bomb.length < 4 << 20, "the zip is small: " + bomb.length);
    r = client.post("/v1/management/models/evil/versions", bomb, auth());
    assertEquals(413, r.status(), r.text());
    assertTrue(r.error().contains("maxUnpackedBytes"), r.error());
    r = client.post("/v1/management/models/bad%20name/versions", zip(Map.of("a", new byte[1])), auth());
    assertEquals(400, r.status());
    assertEquals(404, client.get("/v1/models/evil").status(), "nothing was installed");
  }
}
