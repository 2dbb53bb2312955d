package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.ProjectPaths;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aebridge train --from FILE}: the CLI trains from a Keras file's weights (the numerics are
 * io.aebridge.keras.KerasSpecTest's), records the file in the card, keeps the file's architecture and takes a
 * penalty from {@code --spec}.
 */
class TrainFromTest {
  private static final Path KERAS = ProjectPaths.root().resolve("tests/fixtures/keras");

  @TempDir
  Path models;

  private static int run(ByteArrayOutputStream err, String... args) throws Exception {
    PrintStream oldErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return Main.run(args);
    } finally {
      System.setErr(oldErr);
    }
  }

  private static String[] args(Path models, String file, String... more) {
    String[] base = {"train", "--from", KERAS.resolve(file).toString(), "--data",
        KERAS.resolve(file + ".goldens/input_0.npy").toString(), "--epochs", "1", "--models", models.toString()};
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void trainsFromTheFileAndRecordsItInTheCard() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, run(err, args(models, "deep.h5")), err::toString);
    JsonNode card = new ObjectMapper().readTree(models.resolve("deep/1/model-card.json").toFile());
    JsonNode from = card.path("data").path("initialWeights");
    String sha = HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(KERAS.resolve("deep.h5"))));
    assertEquals(sha, from.path("sha256").asText());
    assertEquals("h5", from.path("format").asText());
    assertEquals("[128,64]", card.path("spec").path("encoderLayers").toString());
    assertEquals(1, card.path("history").path("epochs").size());
  }

  @Test
  void trainsFromAnImportedModelsSourceFileWhileItIsUnchanged() throws Exception {
    Path copy = Files.copy(KERAS.resolve("deep.keras"), models.resolve("mine.keras"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, run(err, "import", copy.toString(), "--models", models.resolve("imported").toString()),
        err::toString);
    String[] fromImport = args(models, "deep.keras", "--name", "again");
    fromImport[2] = models.resolve("imported/mine").toString();
    assertEquals(0, run(err, fromImport), err::toString);
    JsonNode card = new ObjectMapper().readTree(models.resolve("again/1/model-card.json").toFile());
    assertEquals(copy.toAbsolutePath().toString(), card.path("data").path("initialWeights").path("file").asText());

    Files.copy(KERAS.resolve("demo.keras"), copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    ByteArrayOutputStream changed = new ByteArrayOutputStream();
    assertNotEquals(0, run(changed, fromImport));
    assertTrue(changed.toString().contains("has changed since the import"), changed.toString());
  }

  @Test
  void refusesOptionsThatChangeTheArchitecture() throws Exception {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertNotEquals(0, run(err, args(models, "deep.keras", "--code-size", "16")));
    assertTrue(err.toString().contains("codeSize is 32 in ") && err.toString().contains("but 16 after the options"),
        err.toString());
    assertTrue(Files.notExists(models.resolve("deep")), "nothing exported");
  }

  @Test
  void aSpecFileAddsThePenaltyThePythonTrainStepHad() throws Exception {
    Path spec = Files.writeString(models.resolve("contractive.json"),
        "{\"kind\": \"contractive\", \"contractive\": {\"weight\": 1e-4}}");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, run(err, args(models, "contractive.keras", "--spec", spec.toString(), "--name", "cae")),
        err::toString);
    JsonNode card = new ObjectMapper().readTree(models.resolve("cae/1/model-card.json").toFile());
    assertEquals("contractive", card.path("spec").path("kind").asText());
    assertTrue(card.path("history").path("epochs").get(0).path("penalty").asDouble() > 0, card.toString());
  }
}
