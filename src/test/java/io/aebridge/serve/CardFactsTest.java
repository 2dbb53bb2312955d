package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aebridge.load.ModelLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The anomaly threshold and evaluation of a model card reach the autoencoder answers over real HTTP. */
class CardFactsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void reconstructCarriesIsAnomalyOnlyWhenTheCardHasAThreshold() throws Exception {
    Path dir = Files.createTempDirectory("aebridge-card-facts");
    try {
      Path root = Files.createDirectories(dir.resolve("models"));
      ServeFixtures.copyDense(root, "plain", 1);
      Path anomaly = ServeFixtures.copyDense(root, "scored", 1);
      try (ModelServer server = ModelServer.start(ServerConfig.builder(root).port(0).pollInterval(Duration.ZERO)
          .build())) {
        TestClient client = new TestClient(server.baseUrl());
        String body = "{\"instances\": [" + zeros(0f) + "," + zeros(1f) + "]}";
        JsonNode plain = client.post("/v1/ae/plain/reconstruct", body).json();
        assertFalse(plain.has("is_anomaly"), plain.toString());
        double low = plain.path("errors").get(0).asDouble();
        double high = plain.path("errors").get(1).asDouble();
        assertTrue(low < high, "an all-ones image reconstructs worse than a blank one: " + low + " " + high);

        // The same weights with a card whose threshold lies between the two errors (read on first use).
        Path cardFile = anomaly.resolve(ModelLayout.MODEL_CARD_FILE);
        ObjectNode card = (ObjectNode) JSON.readTree(cardFile.toFile());
        ObjectNode a = card.putObject("evaluation").putObject("anomaly");
        a.put("score", "mse");
        a.put("threshold", (low + high) / 2);
        Files.writeString(cardFile, card.toString());

        JsonNode scored = client.post("/v1/ae/scored/reconstruct", body).json();
        assertEquals((low + high) / 2, scored.path("anomaly_threshold").asDouble(), 1e-12);
        assertFalse(scored.path("is_anomaly").get(0).asBoolean());
        assertTrue(scored.path("is_anomaly").get(1).asBoolean());
        JsonNode info = client.get("/v1/ae/scored").json();
        assertEquals("mse", info.path("evaluation").path("anomaly").path("score").asText());
        assertFalse(client.get("/v1/ae/plain").json().has("evaluation"));
      }
    } finally {
      ModelLayout.deleteRecursively(dir);
    }
  }

  private static String zeros(float v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < 784; i++) {
      b.append(i == 0 ? "" : ",").append(v);
    }
    return b.append(']').toString();
  }
}
