package io.aebridge.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.TrainedFixtures;
import io.aebridge.data.Dataset;
import io.aebridge.load.HostTensor;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.SignatureNames;
import io.aebridge.train.TrainedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SavedModelExporterTest {
  @TempDir Path root;

  @Test
  void denseExportReloadsWithEqualOutputsOnEverySignature() throws Exception {
    roundTrip(TrainedFixtures.dense("dense"), new long[] {5, 784}, new long[] {5, 8});
  }

  @Test
  void convolutionalExportReloadsWithEqualOutputsOnEverySignature() throws Exception {
    roundTrip(TrainedFixtures.conv("conv"), new long[] {5, 28, 28, 1}, new long[] {5, 4, 4, 8});
  }

  private void roundTrip(AutoencoderSpec spec, long[] inputShape, long[] codeShape) throws Exception {
    Dataset five = TrainedFixtures.BARS.head(5);
    try (TrainedModel model = TrainedFixtures.train(spec)) {
      SavedModelExporter.Exported exported =
          SavedModelExporter.export(root, spec, model.weights(), TrainedFixtures.card(model));
      assertEquals(1, exported.version());
      assertEquals(root.resolve(spec.name()).resolve("1"), exported.directory());
      assertTrue(Files.isRegularFile(exported.directory().resolve("saved_model.pb")));
      assertTrue(Files.isRegularFile(exported.directory().resolve(ModelLayout.MODEL_CARD_FILE)));
      ModelCard card = ModelCard.read(exported.directory().resolve(ModelLayout.MODEL_CARD_FILE));
      assertEquals(spec.name(), card.name());

      float[] reconstruction = model.reconstruct(five);
      float[] code = model.encode(five);
      float[] decoded = model.decode(code, 5);
      try (LoadedModel loaded = LoadedModel.load(exported.directory())) {
        assertEquals(List.of(SignatureNames.DECODE, SignatureNames.ENCODE, SignatureNames.SERVING_DEFAULT),
            loaded.signatures().stream().map(SignatureInfo::key).sorted().toList());
        TensorSpec x = loaded.signature(SignatureNames.SERVING_DEFAULT).input(SignatureNames.INPUT);
        assertEquals(-1, x.shape()[0]);
        // The card's summary comes from what was exported, so it names the loaded model's own tensors and shapes.
        assertEquals(List.of(SignatureNames.SERVING_DEFAULT, SignatureNames.ENCODE, SignatureNames.DECODE),
            List.copyOf(card.signatures().keySet()));
        for (SignatureInfo sig : loaded.signatures()) {
          TensorSpec in = sig.inputs().get(0);
          TensorSpec out = sig.outputs().get(0);
          assertEquals(in.key() + " " + java.util.Arrays.toString(in.shape()) + " -> " + out.key() + " "
              + java.util.Arrays.toString(out.shape()), card.signatures().get(sig.key()));
        }
        HostTensor in = HostTensor.ofFloats(inputShape, five.values());
        assertClose(reconstruction,
            loaded.run(SignatureNames.SERVING_DEFAULT, Map.of(SignatureNames.INPUT, in)).get(SignatureNames.RECONSTRUCTION));
        assertClose(code, loaded.run(SignatureNames.ENCODE, Map.of(SignatureNames.INPUT, in)).get(SignatureNames.CODE));
        assertClose(decoded, loaded.run(SignatureNames.DECODE,
            Map.of(SignatureNames.CODE, HostTensor.ofFloats(codeShape, code))).get(SignatureNames.RECONSTRUCTION));
      }
    }
  }

  private static void assertClose(float[] expected, HostTensor actual) {
    float[] got = actual.floats();
    assertEquals(expected.length, got.length);
    double max = 0;
    for (int i = 0; i < got.length; i++) {
      max = Math.max(max, Math.abs(expected[i] - got[i]));
    }
    assertTrue(max <= 1e-6, "max |difference| " + max);
  }

  @Test
  void versionsCountUpAndAFailedExportLeavesNoVersionNorTemporaryFolder() throws Exception {
    AutoencoderSpec spec = TrainedFixtures.dense("versions");
    try (TrainedModel model = TrainedFixtures.train(spec)) {
      var card = TrainedFixtures.card(model);
      assertEquals(1, SavedModelExporter.export(root, spec, model.weights(), card).version());
      assertEquals(2, SavedModelExporter.export(root, spec, model.weights(), card).version());
      IllegalStateException crash = assertThrows(IllegalStateException.class,
          () -> SavedModelExporter.export(root, spec, model.weights(), card, () -> {
            throw new IllegalStateException("disk gone mid-export");
          }));
      assertEquals("disk gone mid-export", crash.getMessage());
      assertEquals(List.of(1L, 2L), ModelLayout.versions(root.resolve("versions")));
      try (Stream<Path> left = Files.list(root.resolve("versions"))) {
        assertEquals(List.of("1", "2"), left.map(p -> p.getFileName().toString()).sorted().toList());
      }
      // A folder left by a killed export is not a version, and the next free number skips a half-made one.
      Files.createDirectories(root.resolve("versions").resolve(ModelLayout.TEMP_PREFIX + "export-killed"));
      Files.createDirectories(root.resolve("versions").resolve("3"));
      assertEquals(List.of(1L, 2L), ModelLayout.versions(root.resolve("versions")));
      assertEquals(4, SavedModelExporter.export(root, spec, model.weights(), card).version());
    }
  }

  @Test
  void weightsThatDoNotFitTheSpecAreRefusedBeforeAnythingIsVisible() throws Exception {
    try (TrainedModel model = TrainedFixtures.train(TrainedFixtures.dense("small"))) {
      AutoencoderSpec bigger = TrainedFixtures.dense("small").toBuilder().codeSize(9).build();
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> SavedModelExporter.export(root, bigger, model.weights(), TrainedFixtures.card(model)));
      assertTrue(e.getMessage().contains("encoder_code_kernel"), e.getMessage());
      assertFalse(Files.exists(root.resolve("small").resolve("1")));
    }
  }
}
