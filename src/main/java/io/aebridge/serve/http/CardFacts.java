package io.aebridge.serve.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.load.ModelLayout;
import io.aebridge.serve.core.ServedModel;
import io.aebridge.serve.repository.CoreBackend;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the autoencoder endpoints read from a version's {@code model-card.json}: the {@code evaluation} block (held-out
 * figures, a demo's examples and 2-D map) and the anomaly threshold {@code evaluation.anomaly.threshold} that
 * {@code aebridge demo anomaly} calibrates. Read once per version folder (a version's files never change once
 * exported); thread-safe. A missing or unreadable card means "no facts", never an error: any SavedModel is served.
 */
final class CardFacts {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<Path, JsonNode> EVALUATIONS = new ConcurrentHashMap<>();

  private CardFacts() {}

  /** The card's {@code evaluation} object, or a missing node. */
  static JsonNode evaluation(ServedModel h) {
    Path dir = CoreBackend.handle(h).servable().model().path();
    return EVALUATIONS.computeIfAbsent(dir.toAbsolutePath().normalize(), CardFacts::read);
  }

  /** The anomaly threshold on the per-sample reconstruction MSE, or {@code null} when the card has none. */
  static Double anomalyThreshold(ServedModel h) {
    JsonNode t = evaluation(h).path("anomaly").path("threshold");
    return t.isNumber() && "mse".equals(evaluation(h).path("anomaly").path("score").asText()) ? t.asDouble() : null;
  }

  private static JsonNode read(Path dir) {
    Path card = dir.resolve(ModelLayout.MODEL_CARD_FILE);
    try {
      if (Files.isRegularFile(card)) {
        JsonNode node = JSON.readTree(card.toFile()).path("evaluation");
        if (node.isObject()) {
          return node;
        }
      }
    } catch (IOException | RuntimeException e) {
      // An unreadable card only means the answers carry no card facts.
    }
    return JSON.missingNode();
  }
}
