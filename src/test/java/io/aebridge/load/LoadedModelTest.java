package io.aebridge.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.TrainedFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.DataType;

class LoadedModelTest {
  @TempDir static Path root;
  static Path dense;

  @BeforeAll
  static void export() throws Exception {
    dense = TrainedFixtures.exported(root, TrainedFixtures.dense("m"));
  }

  @Test
  void missingSignatureListsTheOnesThatExist() throws Exception {
    try (LoadedModel model = LoadedModel.load(dense)) {
      SignatureNotFoundException e = assertThrows(SignatureNotFoundException.class, () -> model.signature("predict"));
      assertEquals(List.of("decode", "encode", "serving_default"), e.available().stream().sorted().toList());
      assertTrue(e.getMessage().contains("'predict'") && e.getMessage().contains("serving_default"));
    }
  }

  @Test
  void badInputsNameExpectedAndGot() throws Exception {
    try (LoadedModel model = LoadedModel.load(dense)) {
      HostTensor good = HostTensor.ofFloats(new long[] {1, 784}, new float[784]);
      String wrongShape = assertThrows(InvalidInputException.class, () -> model.run("serving_default",
          Map.of("x", HostTensor.ofFloats(new long[] {1, 783}, new float[783])))).getMessage();
      assertTrue(wrongShape.contains("(-1, 784)") && wrongShape.contains("[1, 783]"), wrongShape);
      String wrongType = assertThrows(InvalidInputException.class, () -> model.run("serving_default",
          Map.of("x", HostTensor.ofDoubles(new long[] {1, 784}, new double[784])))).getMessage();
      assertTrue(wrongType.contains("DT_FLOAT") && wrongType.contains("DT_DOUBLE"), wrongType);
      String unknown = assertThrows(InvalidInputException.class,
          () -> model.run("serving_default", Map.of("x", good, "y", good))).getMessage();
      assertTrue(unknown.contains("'y'") && unknown.contains("[x]"), unknown);
      String missing = assertThrows(InvalidInputException.class,
          () -> model.run("serving_default", Map.of())).getMessage();
      assertTrue(missing.contains("needs input 'x'"), missing);
      // A float64 caller converts explicitly, and the model still answers.
      HostTensor converted = HostTensor.ofDoubles(new long[] {1, 784}, new double[784]).castTo(DataType.DT_FLOAT);
      assertEquals(784, model.run("serving_default", Map.of("x", converted)).get("reconstruction").elementCount());
    }
  }

  @Test
  void anyBatchSizeWorks() throws Exception {
    try (LoadedModel model = LoadedModel.load(dense)) {
      for (int n : new int[] {1, 3, 300}) {
        HostTensor out = model.run("encode", Map.of("x", HostTensor.ofFloats(new long[] {n, 784}, new float[n * 784])))
            .get("code");
        assertEquals(List.of((long) n, 8L), List.of(out.shape()[0], out.shape()[1]));
      }
    }
  }

  @Test
  void closedModelRefusesUse() throws Exception {
    LoadedModel model = LoadedModel.load(dense);
    model.close();
    model.close();
    assertThrows(IllegalStateException.class, model::signatures);
  }

  @Test
  void foldersThatAreNotSavedModelsGiveAClearError(@TempDir Path empty) throws Exception {
    ModelLoadException missing = assertThrows(ModelLoadException.class, () -> LoadedModel.load(empty));
    assertTrue(missing.getMessage().contains("no saved_model.pb"), missing.getMessage());
    Path corrupt = empty.resolve("corrupt");
    Files.createDirectories(corrupt);
    Files.write(corrupt.resolve("saved_model.pb"), new byte[] {1, 2, 3, 4, 5, 6, 7});
    ModelLoadException bad = assertThrows(ModelLoadException.class, () -> LoadedModel.load(corrupt));
    assertTrue(bad.getMessage().startsWith(corrupt.toString()), bad.getMessage());
  }
}
