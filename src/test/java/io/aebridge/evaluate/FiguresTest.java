package io.aebridge.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.TestData;
import io.aebridge.data.Dataset;
import io.aebridge.train.EpochStats;
import io.aebridge.train.TrainingHistory;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FiguresTest {
  @TempDir
  Path dir;

  @BeforeAll
  static void headless() {
    System.setProperty("java.awt.headless", "true");
  }

  @Test
  void reconstructionGridHasOneRowPerSourceAndScaledTiles() throws Exception {
    assertTrue(GraphicsEnvironment.isHeadless(), "the figures must not need a display");
    Dataset digits = TestData.bars(10, 28, 1, 1);
    float[] reconstructions = Metrics.clip(digits.values(), 0.2f, 0.8f);
    float[] pca = new float[digits.values().length];
    Path png = dir.resolve("grid.png");
    Figures.reconstructionGrid(png, digits, reconstructions, pca, 8);

    BufferedImage image = ImageIO.read(png.toFile());
    assertNotNull(image, "a PNG ImageIO can read");
    int tile = 28 * 2;
    assertEquals(Figures.LABEL_WIDTH + 8 * (tile + Figures.GAP) + Figures.GAP, image.getWidth());
    assertEquals(3 * (tile + Figures.GAP) + Figures.GAP, image.getHeight());

    // Pixel (r, c) of sample i is drawn as a 2×2 block; check one pixel of each row.
    int i = 3;
    int r = 5;
    int c = 17;
    int left = Figures.LABEL_WIDTH + Figures.GAP + i * (tile + Figures.GAP) + c * 2 + 1;
    float original = digits.values()[i * 784 + r * 28 + c];
    assertEquals(grey(original), image.getRGB(left, Figures.GAP + r * 2 + 1) & 0xFFFFFF);
    assertEquals(grey(reconstructions[i * 784 + r * 28 + c]),
        image.getRGB(left, Figures.GAP + (tile + Figures.GAP) + r * 2) & 0xFFFFFF);
    assertEquals(0, image.getRGB(left, Figures.GAP + 2 * (tile + Figures.GAP) + r * 2) & 0xFFFFFF, "PCA row: black");
    // The label column holds dark text pixels on white.
    assertTrue(darkPixels(image, 0, Figures.LABEL_WIDTH, 0, image.getHeight()) > 50, "row labels drawn");
  }

  @Test
  void gridWithoutPcaHasTwoRowsAndDrawsRgb() throws Exception {
    Dataset colour = TestData.bars(3, 8, 3, 2);
    float[] values = colour.values().clone();
    values[0] = 1f;
    values[1] = 0f;
    values[2] = 0.5f;
    Dataset red = new Dataset(values, 3, 8, 8, 3, null, "rgb");
    Path png = dir.resolve("sub/rgb.png");
    Figures.reconstructionGrid(png, red, values, null, 3);
    BufferedImage image = ImageIO.read(png.toFile());
    int scale = 7; // ⌈56 / 8⌉
    assertEquals(Figures.LABEL_WIDTH + 3 * (8 * scale + Figures.GAP) + Figures.GAP, image.getWidth());
    assertEquals(2 * (8 * scale + Figures.GAP) + Figures.GAP, image.getHeight());
    assertEquals(0xFF0080, image.getRGB(Figures.LABEL_WIDTH + Figures.GAP, Figures.GAP) & 0xFFFFFF);
  }

  @Test
  void gridRejectsTooFewReconstructions() {
    Dataset digits = TestData.bars(4, 28, 1, 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Figures.reconstructionGrid(dir.resolve("x.png"), digits, new float[784], null, 2));
    assertTrue(e.getMessage().contains("at least 2 samples"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Figures.reconstructionGrid(dir.resolve("x.png"), digits, digits.values(), null, 5));
  }

  @Test
  void lossCurveIsAChartOfTheConfiguredSize() throws Exception {
    List<EpochStats> epochs = List.of(
        new EpochStats(1, 0.30, 0.30, 0, 0.28, 0.28, 1.0, 100),
        new EpochStats(2, 0.20, 0.20, 0, 0.21, 0.21, 1.0, 100),
        new EpochStats(3, 0.15, 0.15, 0, 0.18, 0.18, 1.0, 100));
    Path png = dir.resolve("loss");
    Figures.lossCurve(png, new TrainingHistory("bce", epochs, false, 100, 20));
    assertTrue(Files.isRegularFile(png), "written to the exact path, no extension appended");
    BufferedImage image = ImageIO.read(png.toFile());
    assertNotNull(image);
    assertEquals(Figures.CHART_WIDTH, image.getWidth());
    assertEquals(Figures.CHART_HEIGHT, image.getHeight());
    assertTrue(darkPixels(image, 0, image.getWidth(), 0, image.getHeight()) > 500, "title, axes and lines drawn");

    Path noValidation = dir.resolve("train-only.png");
    Figures.lossCurve(noValidation, new TrainingHistory("mse",
        List.of(new EpochStats(1, 0.1, 0.1, 0, Double.NaN, Double.NaN, 1, 10)), false, 10, 0));
    assertNotNull(ImageIO.read(noValidation.toFile()));
    assertThrows(IllegalArgumentException.class,
        () -> Figures.lossCurve(dir.resolve("empty.png"), new TrainingHistory("bce", List.of(), false, 0, 0)));
  }

  private static int grey(float v) {
    int level = Math.round(Math.max(0f, Math.min(1f, v)) * 255f);
    return (level << 16) | (level << 8) | level;
  }

  private static int darkPixels(BufferedImage image, int x0, int x1, int y0, int y1) {
    int dark = 0;
    for (int y = y0; y < y1; y++) {
      for (int x = x0; x < x1; x++) {
        int rgb = image.getRGB(x, y);
        int sum = ((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF);
        if (sum < 200) {
          dark++;
        }
      }
    }
    return dark;
  }
}
