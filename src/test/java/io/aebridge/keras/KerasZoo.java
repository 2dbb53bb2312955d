package io.aebridge.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.ProjectPaths;
import io.aebridge.data.NpyFiles;
import io.aebridge.load.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Keras files the tests read: the committed reference files under {@code tests/fixtures/keras/}, and the
 * test-only models that {@code python-reference/keras_files.py --zoo} writes once per JVM into a temporary folder
 * (the venv's Python, as {@code scripts/python-env.sh} names it; the test fails, not skips, without it).
 */
final class KerasZoo {
  static final double TOLERANCE = 1e-5;
  private static Path zoo;

  private KerasZoo() {}

  static Path fixtures() {
    return ProjectPaths.root().resolve("tests/fixtures/keras");
  }

  /** The folder with the test-only models, written on first use. */
  static synchronized Path zoo() throws IOException, InterruptedException {
    if (zoo != null) {
      return zoo;
    }
    Path dir = Files.createTempDirectory("aebridge-keras-zoo-");
    Path python = python();
    Path log = dir.resolve("keras_files.log");
    Process p = new ProcessBuilder(python.toString(),
        ProjectPaths.root().resolve("python-reference/keras_files.py").toString(), "--zoo", dir.toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("keras_files.py --zoo did not finish in 5 minutes; log: " + log);
    }
    assertEquals(0, p.exitValue(), () -> "keras_files.py --zoo failed:\n" + read(log));
    zoo = dir;
    return dir;
  }

  private static String read(Path log) {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return e.toString();
    }
  }

  static Path python() {
    String configured = System.getProperty("aebridge.python", "");
    Path python = configured.isEmpty() ? ProjectPaths.root().resolve(".venv/bin/python") : Path.of(configured);
    assertTrue(Files.isExecutable(python), "no Python venv at " + python + ": run tests/run-all.sh once (it "
        + "creates .venv) or pass -Daebridge.python=…");
    return python;
  }

  /** Every Keras file with goldens beside it ({@code NAME.keras.goldens/}) in {@code dir}, sorted. */
  static List<Path> withGoldens(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> (p.toString().endsWith(".keras") || p.toString().endsWith(".h5"))
          && Files.isDirectory(goldens(p))).sorted().toList();
    }
  }

  static Path goldens(Path file) {
    return file.resolveSibling(file.getFileName() + ".goldens");
  }

  static HostTensor npy(Path file) throws IOException {
    NpyFiles.NpyArray a = NpyFiles.readFloatArray(file);
    return HostTensor.ofFloats(a.shape(), a.data());
  }

  /** One compared output. */
  record Parity(String signature, String output, double maxDiff) {}

  /**
   * Runs every signature the goldens cover and returns the largest difference per output.
   */
  static List<Parity> compare(KerasModel model, Path goldens) throws IOException {
    JsonNode manifest = new ObjectMapper().readTree(goldens.resolve("manifest.json").toFile());
    List<Parity> results = new ArrayList<>();
    Map<String, HostTensor> inputs = new LinkedHashMap<>();
    List<String> inKeys = model.inputKeys();
    assertEquals(manifest.path("inputs").size(), inKeys.size(), "inputs of " + model.source().file());
    for (int i = 0; i < inKeys.size(); i++) {
      inputs.put(inKeys.get(i), npy(goldens.resolve(manifest.path("inputs").get(i).path("file").asText())));
    }
    Map<String, HostTensor> out = model.run(KerasModel.SERVING_DEFAULT, inputs);
    List<String> outKeys = model.outputKeys();
    assertEquals(manifest.path("outputs").size(), outKeys.size(), "outputs of " + model.source().file());
    for (int i = 0; i < outKeys.size(); i++) {
      HostTensor want = npy(goldens.resolve(manifest.path("outputs").get(i).path("file").asText()));
      results.add(new Parity(KerasModel.SERVING_DEFAULT, outKeys.get(i), diff(want, out.get(outKeys.get(i)))));
    }
    var sigs = manifest.path("signatures").fields();
    while (sigs.hasNext()) {
      var e = sigs.next();
      String key = e.getKey();
      var info = model.signature(key);
      HostTensor x = npy(goldens.resolve(e.getValue().path("input").asText()));
      Map<String, HostTensor> o = model.run(key, Map.of(info.inputs().get(0).key(), x));
      HostTensor want = npy(goldens.resolve(e.getValue().path("output").asText()));
      String outKey = info.outputs().get(0).key();
      results.add(new Parity(key, outKey, diff(want, o.get(outKey))));
    }
    return results;
  }

  static double diff(HostTensor want, HostTensor got) {
    assertTrue(java.util.Arrays.equals(want.shape(), got.shape()), "shape: want "
        + java.util.Arrays.toString(want.shape()) + ", got " + java.util.Arrays.toString(got.shape()));
    float[] a = want.floats();
    float[] b = got.floats();
    double worst = 0;
    for (int i = 0; i < a.length; i++) {
      worst = Math.max(worst, Math.abs((double) a[i] - b[i]));
    }
    return worst;
  }
}
