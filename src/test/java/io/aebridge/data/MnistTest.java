package io.aebridge.data;

import static io.aebridge.data.TestBytes.assertFormatError;
import static io.aebridge.data.TestBytes.floats;
import static io.aebridge.data.TestBytes.npy;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistTest {

  private static final int PIXELS = 28 * 28;

  @TempDir Path project;

  /** Writes {@code set}-images.npy and -labels.npy the way scripts/convert-mnist.mjs does: '<f4' and '|u1'. */
  private void writeSet(String set, byte[] labels) throws IOException {
    Path mnist = Files.createDirectories(project.resolve("data/mnist"));
    float[] pixels = new float[labels.length * PIXELS];
    for (int i = 0; i < labels.length; i++) {
      pixels[i * PIXELS + i] = 1f;
      pixels[i * PIXELS + PIXELS - 1] = labels[i] / 10f;
    }
    Files.write(mnist.resolve(set + "-images.npy"),
        npy("<f4", "(" + labels.length + ", 28, 28)", floats(LITTLE_ENDIAN, pixels)));
    Files.write(mnist.resolve(set + "-labels.npy"), npy("|u1", "(" + labels.length + ",)", labels));
  }

  @Test
  void loadsTrainAndTestWithLabels() throws IOException {
    writeSet("train", new byte[] {5, 0, 4});
    writeSet("test", new byte[] {7, 2});

    Mnist.Split split = Mnist.load(project);

    Dataset train = split.train();
    assertEquals(3, train.count());
    assertEquals(28, train.height());
    assertEquals(28, train.width());
    assertEquals(1, train.channels());
    assertArrayEquals(new int[] {5, 0, 4}, train.labels());
    assertEquals(1f, train.values()[PIXELS + 1]);
    assertEquals(0.4f, train.values()[3 * PIXELS - 1]);
    assertEquals("data/mnist/train-images.npy", train.source());
    assertEquals(2, split.test().count());
    assertArrayEquals(new int[] {7, 2}, split.test().labels());
    assertEquals("data/mnist/test-images.npy", split.test().source());
  }

  @Test
  void missingFilesSayToRunTheFetchScript() throws IOException {
    writeSet("train", new byte[] {1});
    writeSet("test", new byte[] {2});
    Files.delete(project.resolve("data/mnist/test-labels.npy"));

    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Mnist.load(project));

    assertTrue(e.getMessage().contains("run scripts/fetch-mnist.sh"), e.getMessage());
    assertTrue(e.getMessage().contains("(test-labels.npy)"), e.getMessage());
    assertEquals(project.resolve("data/mnist").toString(), e.getFile());
  }

  @Test
  void noDataFolderListsEveryFile() {
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Mnist.load(project));

    assertTrue(e.getMessage().contains(
        "MNIST files missing (train-images.npy, train-labels.npy, test-images.npy, test-labels.npy); run "
            + "scripts/fetch-mnist.sh in " + project), e.getMessage());
  }

  @Test
  void labelCountMustMatchImageCount() throws IOException {
    writeSet("train", new byte[] {1, 2});
    writeSet("test", new byte[] {3});
    Path labels = project.resolve("data/mnist/train-labels.npy");
    Files.write(labels, npy("|u1", "(3,)", new byte[] {1, 2, 3}));

    assertFormatError(labels, "header", () -> Mnist.load(project), "2 labels, one per image in train-images.npy",
        "found 3");
  }
}
