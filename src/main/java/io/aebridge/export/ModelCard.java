package io.aebridge.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.aebridge.data.Dataset;
import io.aebridge.data.Fingerprints;
import io.aebridge.load.BuildInfo;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.SpecJson;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
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
 * @param signatures signature key → one-line description ({@code x [-1, 784] -> code [-1, 32]}), filled by
 *     {@link SavedModelExporter} from the signatures it exported; empty until then
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

  public ModelCard {
    signatures = signatures == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(signatures));
  }

  /**
   * The card of a freshly trained model; its signature summary is left for the exporter, which knows what it
   * exported.
   *
   * @param history the training history (any Jackson-serialisable value)
   * @param trainingData the data the model was trained on, fingerprinted
   */
  public static ModelCard create(AutoencoderSpec spec, String loss, long parameterCount, Object history,
      Dataset trainingData) {
    BuildInfo build = BuildInfo.current();
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("source", trainingData.source());
    data.put("samples", trainingData.count());
    data.put("shape", List.of(trainingData.height(), trainingData.width(), trainingData.channels()));
    data.put("sha256", Fingerprints.sha256(trainingData));
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put("aebridge", build.projectVersion());
    versions.put("tensorflowJava", build.tensorflowJavaVersion());
    versions.put("tensorflowRuntime", build.tensorflowRuntimeVersion());
    versions.put("java", build.javaVersion());
    return new ModelCard(SCHEMA_VERSION, spec.name(), Instant.now().toString(), SpecJson.toTree(spec), loss,
        parameterCount, toJson(history), data, null, versions, Map.of());
  }

  /** Writes the card to {@code file} through a temporary file and a rename, so readers never see half a card. */
  public void write(Path file) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, MAPPER.writeValueAsString(this));
    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }


  public static ModelCard read(Path file) throws IOException {
    return MAPPER.readValue(file.toFile(), ModelCard.class);
  }

  public ModelCard withEvaluation(JsonNode newEvaluation) {
    return new ModelCard(schemaVersion, name, createdAt, spec, loss, parameterCount, history, data, newEvaluation,
        versions, signatures);
  }

  /** This card with one more entry in {@code data} (e.g. the weights training started from). */
  public ModelCard withData(String key, Object value) {
    Map<String, Object> more = new LinkedHashMap<>(data);
    more.put(key, value);
    return new ModelCard(schemaVersion, name, createdAt, spec, loss, parameterCount, history, more, evaluation,
        versions, signatures);
  }

  /** This card with the signature summary of the SavedModel it describes. */
  ModelCard withSignatures(Map<String, String> newSignatures) {
    return new ModelCard(schemaVersion, name, createdAt, spec, loss, parameterCount, history, data, evaluation,
        versions, newSignatures);
  }

  /** Any value as a JSON tree (records included), for the {@code history} and {@code evaluation} fields. */
  public static JsonNode toJson(Object value) {
    return MAPPER.valueToTree(value);
  }
}
