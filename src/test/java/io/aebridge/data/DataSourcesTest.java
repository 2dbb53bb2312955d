package io.aebridge.data;

import static io.aebridge.data.TestBytes.assertFormatError;
import static io.aebridge.data.TestBytes.bytes;
import static io.aebridge.data.TestBytes.idx;
import static io.aebridge.data.TestBytes.npy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataSourcesTest {

  /** Two 1×2 samples, 0 0.2 / 1 0.4, as every reader below should see them. */
  private static final Dataset EXPECTED =
      new Dataset(new float[] {0f, 0.2f, 1f, 0.4f}, 2, 1, 2, 1, null, "-");
  private static final byte[] IDX = idx(0x08, new int[] {2, 1, 2}, bytes(0, 51, 255, 102));

  @TempDir Path dir;

  private Path file(String name, byte[] content) throws IOException {
    return Files.write(dir.resolve(name), content);
  }

  @Test
  void picksTheReaderByExtension() throws IOException {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(IDX);
    }

    assertEquals(EXPECTED, DataSources.read(file("a.npy", npy("|u1", "(2, 1, 2)", bytes(0, 51, 255, 102)))));
    assertEquals(EXPECTED, DataSources.read(file("B.NPY", npy("|u1", "(2, 2)", bytes(0, 51, 255, 102)))));
    assertEquals(EXPECTED, DataSources.read(file("c.idx", IDX)));
    assertEquals(EXPECTED, DataSources.read(file("t10k-images.idx3-ubyte", IDX)));
    assertEquals(EXPECTED, DataSources.read(file("train-images-idx3-ubyte", IDX)));
    assertEquals(EXPECTED, DataSources.read(file("train-images-idx3-ubyte.gz", gz.toByteArray())));
    assertEquals(EXPECTED, DataSources.read(Files.writeString(dir.resolve("d.csv"), "x,y\n0,0.2\n1,0.4\n")));
  }

  @Test
  void readsADirectoryAsAnImageFolder() throws IOException {
    Path images = Files.createDirectory(dir.resolve("images"));
    ImageFolder.writePng(images.resolve("0.png"), new float[] {0f, 0.2f}, 1, 2, 1);
    ImageFolder.writePng(images.resolve("1.png"), new float[] {1f, 0.4f}, 1, 2, 1);

    assertEquals(EXPECTED, DataSources.read(images));
  }

  @Test
  void unsupportedFormListsTheSupportedOnes() throws IOException {
    Path f = Files.writeString(dir.resolve("data.txt"), "1 2 3");

    assertFormatError(f, "file name", () -> DataSources.read(f), DataSources.SUPPORTED_FORMS, "found 'data.txt'",
        ".npy", ".csv", "-ubyte", ".gz", "directory of images");
  }

  @Test
  void missingPathIsNoSuchFile() {
    Path missing = dir.resolve("nowhere.npy");

    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> DataSources.read(missing));
    assertEquals(missing.toString(), e.getFile());
  }
}
