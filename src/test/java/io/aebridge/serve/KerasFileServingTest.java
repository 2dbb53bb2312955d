package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.aebridge.ProjectPaths;
import io.aebridge.data.NpyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code model.keras} or {@code model.h5} dropped into a version folder is served like a SavedModel (rebuilt by
 * the Keras importer; the op allow-list does not apply, the graph being ours), and a broken one fails alone.
 */
class KerasFileServingTest {
  @TempDir
  Path root;

  @Test
  void servesKerasFilesFromVersionFolders() throws Exception {
    Path fixtures = ProjectPaths.root().resolve("tests/fixtures/keras");
    for (String[] m : new String[][] {{"k3", "demo.keras", "model.keras"}, {"k2", "demo.h5", "model.h5"}}) {
      Path dir = Files.createDirectories(root.resolve(m[0]).resolve("1"));
      Files.copy(fixtures.resolve(m[1]), dir.resolve(m[2]));
    }
    Files.writeString(Files.createDirectories(root.resolve("broken/1")).resolve("model.keras"), "not a zip");
    NpyFiles.NpyArray x = NpyFiles.readFloatArray(fixtures.resolve("demo.keras.goldens/input_0.npy"));
    NpyFiles.NpyArray want = NpyFiles.readFloatArray(fixtures.resolve("demo.keras.goldens/output_0.npy"));
    ObjectMapper json = new ObjectMapper();
    ArrayNode instances = json.createArrayNode();
    int n = (int) x.shape()[0];
    int d = (int) x.shape()[1];
    for (int i = 0; i < n; i++) {
      ArrayNode row = instances.addArray();
      for (int j = 0; j < d; j++) {
        row.add(x.data()[i * d + j]);
      }
    }
    String body = json.writeValueAsString(json.createObjectNode().set("instances", instances));
    try (ModelServer server = ModelServer.start(ServerConfig.builder(root).port(0).pollInterval(Duration.ZERO)
        .build())) {
      TestClient client = new TestClient(server.baseUrl());
      for (String model : new String[] {"k3", "k2"}) {
        TestClient.Response r = client.post("/v1/models/" + model + ":predict", body);
        assertEquals(200, r.status(), r.text());
        JsonNode predictions = r.json().path("predictions");
        double worst = 0;
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < d; j++) {
            worst = Math.max(worst, Math.abs(predictions.get(i).get(j).asDouble() - want.data()[i * d + j]));
          }
        }
        assertTrue(worst <= 1e-5, model + ": max |served − Keras| " + worst);
        TestClient.Response code = client.post("/v1/ae/" + model + "/encode", body);
        assertEquals(200, code.status(), code.text());
        assertEquals(32, code.json().path("codes").get(0).size());
      }
      TestClient.Response broken = client.get("/v1/models/broken");
      assertTrue(broken.text().contains("END") && broken.text().contains("neither a Keras 3 .keras archive"),
          broken.text());
    }
  }
}
