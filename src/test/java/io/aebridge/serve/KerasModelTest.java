package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aebridge.serve.http.AutoencoderApiTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A SavedModel made by Keras 3 in Python (see make_keras_fixture.py) is allowed, loaded and served. */
class KerasModelTest {
  @TempDir
  Path dir;

  @Test
  void kerasExportIsServedUnderItsOwnNames() throws Exception {
    Path fixture = Path.of(KerasModelTest.class.getResource("keras-models").toURI());
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.copyTree(fixture, root);
    try (ModelServer server = ModelServer.start(ServerConfig.builder(root).port(0).pollInterval(Duration.ZERO)
        .build())) {
      TestClient client = new TestClient(server.baseUrl());
      assertEquals(200, client.get("/v2/models/keras_conv/ready").status(),
          "status: " + client.get("/v1/models/keras_conv").text());
      JsonNode meta = client.get("/v2/models/keras_conv").json();
      assertEquals("keras_tensor", meta.at("/inputs/0/name").asText());
      assertEquals("[-1,28,28,1]", meta.at("/inputs/0/shape").toString());
      assertEquals("output_0", meta.at("/outputs/0/name").asText());
      JsonNode sigs = client.get("/v1/models/keras_conv/metadata").json().at("/metadata/signature_def/signature_def");
      assertTrue(sigs.has("serve") && sigs.has("serving_default"), sigs.toString());

      StringBuilder image = new StringBuilder("[");
      for (int r = 0; r < 28; r++) {
        image.append(r == 0 ? "[" : ",[");
        for (int c = 0; c < 28; c++) {
          image.append(c == 0 ? "" : ",").append(c == 14 ? "[1.0]" : "[0.0]");
        }
        image.append(']');
      }
      image.append(']');
      TestClient.Response r = client.post("/v1/models/keras_conv:predict", "{\"instances\": [" + image + "]}");
      assertEquals(200, r.status(), r.text());
      assertEquals(28, r.json().at("/predictions/0").size());
      assertEquals(1, r.json().at("/predictions/0/0/0").size());

      byte[] png = AutoencoderApiTest.digitPng(64, 64, false);
      TestClient.Response img = client.post("/v1/ae/keras_conv/image", png);
      assertEquals(200, img.status(), img.text());
      assertTrue(img.json().get("reconstruction_error").isNumber());
      assertTrue(!img.json().has("code"), "no encode signature, no code");
    }
  }
}
