package io.aebridge.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.aebridge.ProjectPaths;
import io.aebridge.load.HostTensor;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.SignatureInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every reference model of python-reference/train_reference.py, as {@code .keras} and as {@code .h5}: the Java
 * rebuild ({@link KerasModel}) and the SavedModel written from it (loaded back by {@link LoadedModel}) give Keras'
 * outputs to ≤ 1e-5 on every signature. Reads the committed files under {@code tests/fixtures/keras/} and, when
 * {@code -Daebridge.kerasFiles=DIR} is set (tests/run-all.sh sets it), the ones regenerated from scratch there.
 * The figures go to {@code target/keras-parity.json}, which tests/keras/write_parity_doc.py renders as
 * docs/keras-parity.md.
 */
class KerasReferenceParityTest {
  private static final List<Map<String, Object>> ROWS = new ArrayList<>();

  @TempDir
  static Path exported;

  @TestFactory
  List<DynamicTest> referenceModelsMatchKerasInBothFormats() throws IOException {
    Map<String, Path> roots = new LinkedHashMap<>();
    roots.put("committed", KerasZoo.fixtures());
    String fresh = System.getProperty("aebridge.kerasFiles", "");
    if (!fresh.isEmpty()) {
      roots.put("regenerated", Path.of(fresh));
    }
    List<DynamicTest> tests = new ArrayList<>();
    for (Map.Entry<String, Path> root : roots.entrySet()) {
      List<Path> files = KerasZoo.withGoldens(root.getValue());
      assertEquals(12, files.size(), "6 reference models × 2 formats under " + root.getValue() + ": " + files);
      for (Path file : files) {
        tests.add(DynamicTest.dynamicTest(root.getKey() + " " + file.getFileName(), () -> check(root.getKey(), file)));
      }
    }
    return tests;
  }

  private static void check(String set, Path file) throws Exception {
    Path goldens = KerasZoo.goldens(file);
    Path saved = exported.resolve(set + "-" + file.getFileName().toString().replace('.', '-'));
    long t0 = System.nanoTime();
    List<KerasZoo.Parity> direct;
    Map<String, Object> row = new LinkedHashMap<>();
    try (KerasModel model = KerasModel.read(file)) {
      double readMs = (System.nanoTime() - t0) / 1e6;
      assertEquals("encoder", model.source().codeLayer(), "reference models are encoder/decoder autoencoders");
      assertEquals(List.of("decode", "encode", "serving_default"),
          model.signatures().stream().map(SignatureInfo::key).sorted().toList());
      direct = KerasZoo.compare(model, goldens);
      model.writeSavedModel(saved);
      row.put("set", set);
      row.put("model", file.getFileName().toString().replaceAll("\\.(keras|h5)$", ""));
      row.put("format", file.toString().endsWith(".keras") ? "keras" : "h5");
      row.put("kerasVersion", model.source().kerasVersion());
      row.put("layers", model.source().layers().size());
      row.put("weights", model.source().parameterCount());
      row.put("readMillis", Math.round(readMs));
    }
    Map<String, Double> worst = new LinkedHashMap<>();
    for (KerasZoo.Parity p : direct) {
      worst.merge(p.signature(), p.maxDiff(), Math::max);
    }
    // The SavedModel written from the rebuild, loaded like any other, gives the same numbers.
    try (LoadedModel loaded = LoadedModel.load(saved)) {
      for (SignatureInfo sig : loaded.signatures()) {
        assertTrue(worst.containsKey(sig.key()), "goldens cover " + sig.key());
      }
      Map<String, Double> viaSavedModel = new LinkedHashMap<>();
      var manifest = new ObjectMapper().readTree(goldens.resolve("manifest.json").toFile());
      HostTensor x = KerasZoo.npy(goldens.resolve(manifest.path("inputs").get(0).path("file").asText()));
      HostTensor want = KerasZoo.npy(goldens.resolve(manifest.path("outputs").get(0).path("file").asText()));
      viaSavedModel.put("serving_default", KerasZoo.diff(want,
          loaded.run("serving_default", Map.of("x", x)).get("reconstruction")));
      var sigs = manifest.path("signatures");
      for (String key : List.of("encode", "decode")) {
        HostTensor in = KerasZoo.npy(goldens.resolve(sigs.path(key).path("input").asText()));
        HostTensor out = KerasZoo.npy(goldens.resolve(sigs.path(key).path("output").asText()));
        String inKey = loaded.signature(key).inputs().get(0).key();
        String outKey = loaded.signature(key).outputs().get(0).key();
        viaSavedModel.put(key, KerasZoo.diff(out, loaded.run(key, Map.of(inKey, in)).get(outKey)));
      }
      row.put("maxDiff", worst);
      row.put("maxDiffSavedModel", viaSavedModel);
      synchronized (ROWS) {
        ROWS.add(row);
      }
      worst.forEach((k, v) -> assertTrue(v <= KerasZoo.TOLERANCE, file + " " + k + ": " + v));
      viaSavedModel.forEach((k, v) -> assertTrue(v <= KerasZoo.TOLERANCE, file + " SavedModel " + k + ": " + v));
    }
  }

  @AfterAll
  static void writeReport() throws IOException {
    assertFalse(ROWS.isEmpty(), "no parity rows");
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("generatedBy", KerasReferenceParityTest.class.getName());
    report.put("written", Instant.now().toString());
    report.put("tolerance", KerasZoo.TOLERANCE);
    report.put("nproc", Runtime.getRuntime().availableProcessors());
    Path loadavg = Path.of("/proc/loadavg");
    report.put("loadavg", Files.isReadable(loadavg) ? Files.readString(loadavg).trim() : "unknown");
    report.put("rows", ROWS);
    Path out = ProjectPaths.root().resolve("target/keras-parity.json");
    Files.createDirectories(out.getParent());
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.toFile(), report);
  }
}
