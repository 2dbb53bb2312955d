package io.aebridge.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every refusal path names the file, the layer and class at fault, and what is supported. */
class KerasRefusalTest {
  @TempDir
  Path temp;

  private static String refused(Path file) {
    KerasImportException e = assertThrows(KerasImportException.class, () -> KerasModel.read(file).close());
    assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
    return e.getMessage();
  }

  @TestFactory
  List<DynamicTest> pythonMadeRefusals() throws Exception {
    Path zoo = KerasZoo.zoo();
    JsonNode expected = new ObjectMapper().readTree(zoo.resolve("refusals.json").toFile());
    List<DynamicTest> tests = new ArrayList<>();
    expected.fields().forEachRemaining(e -> tests.add(DynamicTest.dynamicTest(e.getKey(), () -> {
      String message = refused(zoo.resolve(e.getKey()));
      assertTrue(message.contains(e.getValue().asText()), e.getKey() + ": " + message);
    })));
    assertEquals(9, tests.size());
    return tests;
  }

  @Test
  void lambdaNamesLayerClassAndWhatIsSupported() throws Exception {
    String m = refused(KerasZoo.zoo().resolve("lambda.keras"));
    assertTrue(m.contains("layer 'times_two' (class Lambda) is not supported: Lambda layers hold Python code"), m);
    assertTrue(m.contains("Supported layers: InputLayer, Dense, Conv2D"), m);
  }

  @Test
  void customLayerIsNamedAsCustom() throws Exception {
    String m = refused(KerasZoo.zoo().resolve("custom.keras"));
    assertTrue(m.contains("layer 'my_scale' (class Scale) is not supported: a custom layer (registered as "
        + "'test>Scale')"), m);
  }

  @Test
  void unknownActivationListsTheSupportedOnes() throws Exception {
    String m = refused(KerasZoo.zoo().resolve("activation.keras"));
    assertTrue(m.contains("layer 'hard' (class Dense): activation 'hard_sigmoid' is not supported (supported: "
        + "linear, relu, sigmoid, tanh, softmax, elu, selu, softplus, gelu)"), m);
  }

  @Test
  void channelsFirstAndMixedPrecision() throws Exception {
    assertTrue(refused(KerasZoo.zoo().resolve("channels_first.keras"))
        .contains("layer 'cf' (class Conv2D) uses data_format 'channels_first'; only channels_last"));
    assertTrue(refused(KerasZoo.zoo().resolve("mixed.keras"))
        .contains("layer 'mixed' (class Dense) computes in 'mixed_float16' (mixed precision); only float32"));
  }

  @Test
  void weightsMissingOrOfTheWrongShape() throws Exception {
    assertTrue(refused(KerasZoo.zoo().resolve("missing.keras")).contains(
        "layer 'second' (class Dense): the file holds 0 weight arrays for it, the config needs 2 ([3, 2], [2])"));
    assertTrue(refused(KerasZoo.zoo().resolve("missing.h5")).contains("layer 'second' (class Dense)"));
    assertTrue(refused(KerasZoo.zoo().resolve("mismatch.keras")).contains(
        "layer 'narrow' (class Dense): weight 0 has shape [4, 3] in the file, the config needs [4, 5]"));
  }

  @Test
  void corruptZip() throws Exception {
    byte[] good = Files.readAllBytes(KerasZoo.zoo().resolve("nested.keras"));
    byte[] bad = Arrays.copyOf(good, good.length);
    for (int i = 40; i < bad.length; i += 7) {
      bad[i] ^= 0x5a;
    }
    Path file = Files.write(temp.resolve("corrupt.keras"), bad);
    String m = refused(file);
    assertTrue(m.contains("zip") || m.contains("archive") || m.contains("JSON") || m.contains("HDF5"), m);
    Path truncated = Files.write(temp.resolve("truncated.keras"), Arrays.copyOf(good, good.length / 2));
    assertTrue(refused(truncated).contains("not a readable zip archive"));
  }

  @Test
  void truncatedHdf5() throws Exception {
    byte[] good = Files.readAllBytes(KerasZoo.zoo().resolve("every_layer.h5"));
    for (int cut : new int[] {8, 100, 1000, good.length / 3, good.length / 2}) {
      Path file = Files.write(temp.resolve("cut-" + cut + ".h5"), Arrays.copyOf(good, cut));
      String m = refused(file);
      assertTrue(m.contains("HDF5") || m.contains("weights") || m.contains("model_config"), cut + ": " + m);
    }
  }

  /**
   * A fuzzing finding kept as a fixture: the weights file of a Keras 3 archive with one damaged version-1 object
   * header whose 4-byte size field declares far more than the file holds. jHDF's file-channel reader allocated a
   * heap buffer of the declared size before reading (12 s of allocation and GC on the loaded 2-core machine); the
   * importer now hands jHDF a memory map, where a read past the end fails at once. Asserted by what the reading
   * thread allocates (load-independent; the old path allocated hundreds of MiB) and, loosely, by time.
   */
  @ParameterizedTest
  @ValueSource(strings = {"slow-attribute-header.h5", "huge-attribute-dataspace.h5"})
  void damagedHeadersAreRefusedWithoutAllocatingTheirDeclaredSizes(String name) throws Exception {
    // huge-attribute-dataspace.h5: h5py's model_config attribute of 12,345 floats, its dataspace patched to 400 M.
    Path file = io.aebridge.ProjectPaths.root().resolve("src/test/resources/io/aebridge/keras/findings/" + name);
    refused(file); // loads the classes an import touches, so the figures below are the input's doing
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    long t0 = System.nanoTime();
    String message = refused(file);
    long millis = (System.nanoTime() - t0) / 1_000_000;
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertTrue(message.contains("cannot read attribute 'model_config'"), message);
    assertTrue(allocated < 16L << 20, "refusing a " + Files.size(file) + "-byte file allocated " + allocated
        + " bytes");
    assertTrue(millis < 3_000, "refusing took " + millis + " ms");
  }

  @Test
  void notAKerasFile() throws Exception {
    Path file = Files.writeString(temp.resolve("model.keras"), "hello");
    assertTrue(refused(file).contains("neither a Keras 3 .keras archive (a zip) nor a Keras 2 / tf.keras .h5 file"));
  }
}
