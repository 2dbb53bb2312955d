package io.aebridge.keras;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Test-only Keras models (both formats) rebuilt in Java give Keras' predict outputs to ≤ 1e-5, every signature. */
class KerasImportParityTest {
  @TestFactory
  List<DynamicTest> zooModelsMatchKeras() throws Exception {
    List<DynamicTest> tests = new ArrayList<>();
    List<Path> files = KerasZoo.withGoldens(KerasZoo.zoo());
    assertEquals(8, files.size(), "zoo files with goldens: " + files);
    for (Path file : files) {
      tests.add(DynamicTest.dynamicTest(file.getFileName().toString(), () -> {
        try (KerasModel model = KerasModel.read(file)) {
          for (KerasZoo.Parity p : KerasZoo.compare(model, KerasZoo.goldens(file))) {
            assertTrue(p.maxDiff() <= KerasZoo.TOLERANCE, file.getFileName() + " " + p);
          }
        }
      }));
    }
    return tests;
  }
}
