package io.aebridge.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The provenance that travels with each exported version as {@code model-card.json}: the spec, the training
 * history, a fingerprint of the data, the evaluation figures when known, and the versions that made it.
 *
 * @param schemaVersion version of this card's layout
 * @param name model name
 * @param createdAt ISO-8601 instant of export
 * @param spec the model spec as JSON
 * @param loss resolved loss ({@code bce}/{@code mse})
 * @param parameterCount number of trainable values
 * @param history training history as JSON (per-epoch losses, penalty, times)
 * @param data where the training data came from: source, samples, SHA-256 fingerprint
 * @param evaluation held-out figures, or {@code null}
 * @param versions project, TensorFlow Java, TensorFlow runtime and Java versions
 * @param signatures signature key → one-line description
 */
public record ModelCard(
    int schemaVersion,
    String name,
    String createdAt,
    JsonNode spec,
    String loss,
    long parameterCount,
    JsonNode history,
    Map<String, Object> data,
    JsonNode evaluation,
    Map<String, String> versions,
    Map<String, String> signatures) {

  public static final int SCHEMA_VERSION = 1;
  static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
      .findAndRegisterModules();

  public void write(Path file) throws IOException {
    Files.writeString(file, MAPPER.writeValueAsString(this));
  }

  public static ModelCard read(Path file) throws IOException {
    return MAPPER.readValue(file.toFile(), ModelCard.class);
  }

  public ModelCard withEvaluation(JsonNode newEvaluation) {
    return new ModelCard(schemaVersion, name, createdAt, spec, loss, parameterCount, history, data, newEvaluation,
        versions, signatures);
  }

  /** Any value as a JSON tree (records included), for the {@code history} and {@code evaluation} fields. */
  public static JsonNode toJson(Object value) {
    return MAPPER.valueToTree(value);
  }
}
