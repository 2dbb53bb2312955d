package io.aebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.ProjectPaths;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.SignatureInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code aebridge import}: a versioned SavedModel with encode/decode and a model card; {@code inspect} shows it. */
class ImportCommandTest {
  @TempDir
  Path models;

  private static String capture(String... args) throws Exception {
    PrintStream old = System.out;
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
    try {
      assertEquals(0, Main.run(args), () -> "exit code of " + List.of(args));
    } finally {
      System.setOut(old);
    }
    return buffer.toString(StandardCharsets.UTF_8);
  }

  @Test
  void importsKerasAndH5IntoNextVersionsWithCard() throws Exception {
    Path keras = ProjectPaths.root().resolve("tests/fixtures/keras/conv.keras");
    Path h5 = ProjectPaths.root().resolve("tests/fixtures/keras/conv.h5");
    String out = capture("import", keras.toString(), "--name", "conv", "--models", models.toString());
    assertTrue(out.contains("Autoencoder: code = output of 'encoder' (encoder/decoder sub-models)"), out);
    capture("import", h5.toString(), "--name", "conv", "--models", models.toString());
    assertEquals(List.of(1L, 2L), ModelLayout.versions(models.resolve("conv")));
    try (Stream<Path> left = Files.list(models.resolve("conv"))) {
      assertTrue(left.noneMatch(p -> p.getFileName().toString().startsWith(".tmp")), "no temporary folders left");
    }
    for (long v : new long[] {1, 2}) {
      Path dir = models.resolve("conv/" + v);
      try (LoadedModel m = LoadedModel.load(dir)) {
        assertEquals(List.of("decode", "encode", "serving_default"),
            m.signatures().stream().map(SignatureInfo::key).sorted().toList());
        assertEquals("(-1, 28, 28, 1)", m.signature("encode").inputs().get(0).shapeText());
        assertEquals("(-1, 4, 4, 8)", m.signature("encode").outputs().get(0).shapeText());
      }
      JsonNode card = new ObjectMapper().readTree(dir.resolve(ModelLayout.MODEL_CARD_FILE).toFile());
      Path source = v == 1 ? keras : h5;
      assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(Files.readAllBytes(source))), card.path("source").path("sha256").asText());
      assertEquals(v == 1 ? "3.15.1" : "2.18.0", card.path("source").path("kerasVersion").asText());
      assertEquals("keras-import", card.path("kind").asText());
      assertEquals("[28,28,1]", card.path("spec").path("inputShape").toString());
      assertFalse(card.path("layers").isEmpty());
      for (JsonNode layer : card.path("layers")) {
        assertFalse(layer.path("mappedTo").asText().equals("?"), "every layer mapped: " + layer);
      }
    }
    String shown = capture("inspect", models.resolve("conv").toString());
    assertTrue(shown.contains("signature_def['encode']") && shown.contains("\"kind\" : \"keras-import\""), shown);
  }

  @Test
  void refusedFileWritesNothing() throws Exception {
    Path bad = Files.writeString(models.resolve("bad.keras"), "not a zip");
    assertTrue(Main.run("import", bad.toString(), "--models", models.resolve("out").toString()) != 0);
    assertFalse(Files.exists(models.resolve("out/bad/1")));
  }
}
