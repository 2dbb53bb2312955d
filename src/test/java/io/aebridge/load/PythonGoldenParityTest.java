package io.aebridge.load;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.ProjectPaths;
import io.aebridge.data.NpyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.tensorflow.proto.DataType;

/**
 * Python → Java parity: every committed Keras / tf.Module SavedModel under {@code saved-models/py-*} is loaded by
 * the Java loader, every signature is run on the golden inputs Python used, and the outputs must match what Python
 * computed from the same SavedModel to ≤ 1e-5. Input and output names come from the model (keras_tensor_N,
 * output_0 …), never from this test; the manifest only says which NPY file holds which tensor.
 */
class PythonGoldenParityTest {
  static final double TOLERANCE = 1e-5;
  private static final ObjectMapper JSON = new ObjectMapper();

  @TestFactory
  Stream<DynamicContainer> everyPythonModelMatchesItsGoldens() throws IOException {
    List<Path> roots = new ArrayList<>(List.of(ProjectPaths.root().resolve("tests/fixtures/python")));
    // tests/run-all.sh also regenerates the reference models from scratch with the pinned TF and adds them here.
    String fresh = System.getProperty("aebridge.pythonGoldens", "");
    for (String extra : fresh.split(java.io.File.pathSeparator)) {
      if (!extra.isBlank()) {
        roots.add(Path.of(extra));
      }
    }
    List<Path> manifests = new ArrayList<>();
    for (Path fixtures : roots) {
      List<Path> found = new ArrayList<>();
      try (Stream<Path> dirs = Files.list(fixtures)) {
        dirs.map(d -> d.resolve("manifest.json")).filter(Files::isRegularFile).sorted().forEach(found::add);
      }
      assertFalse(found.isEmpty(), "no Python goldens under " + fixtures);
      manifests.addAll(found);
    }
    List<DynamicContainer> models = new ArrayList<>();
    for (Path manifestFile : manifests) {
      JsonNode manifest = JSON.readTree(manifestFile.toFile());
      Path modelDir = ProjectPaths.root().resolve(manifest.get("model_dir").asText());
      List<DynamicTest> signatures = new ArrayList<>();
      manifest.get("signatures").fields().forEachRemaining(sig -> signatures.add(DynamicTest.dynamicTest(
          sig.getKey(), () -> checkSignature(modelDir, manifestFile.getParent(), sig.getKey(), sig.getValue()))));
      models.add(DynamicContainer.dynamicContainer(manifestFile.getParent().toString(), signatures));
    }
    return models.stream();
  }

  private static void checkSignature(Path modelDir, Path goldens, String key, JsonNode expected) throws Exception {
    try (LoadedModel model = LoadedModel.load(modelDir)) {
      SignatureInfo signature = model.signature(key);
      // The loader must discover exactly the names and order Python declared.
      assertEquals(names(expected.get("inputs")), signature.inputs().stream().map(TensorSpec::key).sorted().toList());
      assertEquals(names(expected.get("outputs")), signature.outputs().stream().map(TensorSpec::key).sorted().toList());
      Map<String, HostTensor> inputs = new LinkedHashMap<>();
      for (TensorSpec in : signature.inputs()) {
        JsonNode info = expected.get("inputs").get(in.key());
        assertArrayEquals(shape(info.get("shape")), in.shape(), "declared shape of input " + in.key());
        NpyFiles.NpyArray array = NpyFiles.readFloatArray(goldens.resolve(info.get("file").asText()));
        HostTensor value = HostTensor.ofFloats(array.shape(), array.data());
        inputs.put(in.key(), in.dtype() == DataType.DT_FLOAT ? value : value.castTo(in.dtype()));
      }
      Map<String, HostTensor> outputs = model.run(key, inputs);
      for (TensorSpec out : signature.outputs()) {
        JsonNode info = expected.get("outputs").get(out.key());
        NpyFiles.NpyArray golden = NpyFiles.readFloatArray(goldens.resolve(info.get("file").asText()));
        HostTensor actual = outputs.get(out.key());
        assertArrayEquals(golden.shape(), actual.shape(), "shape of " + out.key());
        double[] got = actual.doubles();
        double worst = 0;
        for (int i = 0; i < got.length; i++) {
          worst = Math.max(worst, Math.abs(got[i] - golden.data()[i]));
        }
        assertTrue(worst <= TOLERANCE, modelDir + " " + key + "/" + out.key() + ": max |Java − Python| " + worst);
      }
    }
  }

  private static List<String> names(JsonNode map) {
    List<String> names = new ArrayList<>();
    map.fieldNames().forEachRemaining(names::add);
    names.sort(null);
    return names;
  }

  private static long[] shape(JsonNode dims) {
    long[] shape = new long[dims.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = dims.get(i).asLong();
    }
    return shape;
  }
}
