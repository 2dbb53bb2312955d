package io.aebridge.evaluate;

import io.aebridge.data.Dataset;
import io.aebridge.train.EpochStats;
import io.aebridge.train.TrainingHistory;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG figures of an evaluation, drawn off screen: they need no display (they work with
 * {@code java.awt.headless=true}). Stateless and thread-safe; each call writes one file, replacing it if present.
 */
public final class Figures {
  /** Images are scaled up to at least this many pixels on their longer side (a 28×28 digit becomes 56×56). */
  static final int MIN_TILE_SIDE = 56;
  /** Gap between tiles and around the grid, in pixels. */
  static final int GAP = 4;
  /** Width of the row-label column on the left, in pixels. */
  static final int LABEL_WIDTH = 110;
  static final int CHART_WIDTH = 800;
  static final int CHART_HEIGHT = 500;

  private Figures() {}

  /**
   * The Keras tutorial's figure: the first {@code n} originals in the top row, their reconstructions below, and
   * optionally PCA's reconstructions in a third row; each row is labelled on the left. Each image is scaled up by
   * an integer factor (×2 for 28×28) with nearest-neighbour pixels; values are clipped to [0,1]. One channel is
   * drawn grey, three as RGB; for other channel counts the first channel is drawn grey.
   *
   * @param png the file to write
   * @param originals the samples, at least {@code n}
   * @param reconstructions the autoencoder's reconstructions of (at least) the first {@code n} originals,
   *     row-major, shaped like the originals' samples
   * @param pcaReconstructions PCA's reconstructions, same layout, or {@code null} for no PCA row
   * @param n images per row, ≥ 1
   * @throws IOException when the file cannot be written
   */
  public static void reconstructionGrid(Path png, Dataset originals, float[] reconstructions,
      float[] pcaReconstructions, int n) throws IOException {
    Objects.requireNonNull(png, "png");
    Objects.requireNonNull(originals, "originals");
    Objects.requireNonNull(reconstructions, "reconstructions");
    if (n < 1 || n > originals.count()) {
      throw new IllegalArgumentException("Images per row must lie in [1, " + originals.count() + "] (the samples in "
          + originals.source() + "), found " + n);
    }
    int size = originals.sampleSize();
    checkLength("reconstructions", reconstructions, n, size);
    int h = originals.height();
    int w = originals.width();
    int c = originals.channels();
    List<Row> rows = new ArrayList<>(List.of(new Row("original", originals.values(), h, w, c),
        new Row("autoencoder", reconstructions, h, w, c)));
    if (pcaReconstructions != null) {
      checkLength("pcaReconstructions", pcaReconstructions, n, size);
      rows.add(new Row("PCA", pcaReconstructions, h, w, c));
    }
    grid(png, rows, n);
  }

  /**
   * One labelled row of a {@link #grid}: samples of {@code height × width × channels} laid out row-major in
   * {@code values} (one channel drawn grey, three as RGB, others by their first channel grey).
   *
   * @param label the row's caption, drawn on the left
   * @param values the samples, at least as many as the grid shows
   */
  public record Row(String label, float[] values, int height, int width, int channels) {
    public Row {
      Objects.requireNonNull(label, "label");
      Objects.requireNonNull(values, "values");
      if (height < 1 || width < 1 || channels < 1) {
        throw new IllegalArgumentException("A grid row's samples must have positive height, width and channels, "
            + "found " + height + "×" + width + "×" + channels + " in row '" + label + "'");
      }
    }

    int sampleSize() {
      return height * width * channels;
    }
  }

  /**
   * Rows of images with their labels on the left: the first {@code n} samples of each row, scaled up by an integer
   * factor to at least {@value #MIN_TILE_SIDE} pixels on the longer side of the largest image, nearest-neighbour,
   * values clipped to [0,1]. The label column is {@value #LABEL_WIDTH} pixels or the widest label, whichever is
   * wider.
   *
   * @param n images per row, ≥ 1; every row must hold at least {@code n} samples
   * @throws IOException when the file cannot be written
   */
  public static void grid(Path png, List<Row> rows, int n) throws IOException {
    Objects.requireNonNull(png, "png");
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("A grid needs at least one row");
    }
    if (n < 1) {
      throw new IllegalArgumentException("Images per row must be ≥ 1, found " + n);
    }
    for (Row row : rows) {
      checkLength("row '" + row.label() + "'", row.values(), n, row.sampleSize());
    }
    int side = rows.stream().mapToInt(r -> Math.max(r.height(), r.width())).max().orElseThrow();
    int scale = Math.max(1, (MIN_TILE_SIDE + side - 1) / side);
    int tile = side * scale;
    Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
    BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
    Graphics2D p = probe.createGraphics();
    int labelWidth;
    try {
      FontMetrics m = p.getFontMetrics(font);
      labelWidth = Math.max(LABEL_WIDTH, rows.stream().mapToInt(r -> m.stringWidth(r.label())).max().orElse(0)
          + 2 * GAP);
    } finally {
      p.dispose();
    }
    int width = labelWidth + n * (tile + GAP) + GAP;
    int height = rows.size() * (tile + GAP) + GAP;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(font);
      g.setColor(Color.BLACK);
      FontMetrics metrics = g.getFontMetrics();
      for (int r = 0; r < rows.size(); r++) {
        Row row = rows.get(r);
        int top = GAP + r * (tile + GAP);
        int baseline = top + (tile + metrics.getAscent() - metrics.getDescent()) / 2;
        g.drawString(row.label(), GAP, baseline);
        // Smaller images in a row of a larger grid are drawn at their own integer scale, top-left in the tile.
        int s = Math.max(1, tile / Math.max(row.height(), row.width()));
        for (int i = 0; i < n; i++) {
          drawTile(image, row, i, labelWidth + GAP + i * (tile + GAP), top, s);
        }
      }
    } finally {
      g.dispose();
    }
    write(png, image);
  }

  /**
   * Training curves: loss and, when the history has validation figures, val_loss per epoch, titled with the
   * resolved loss, drawn with XChart.
   *
   * @throws IllegalArgumentException when the history has no epochs
   * @throws IOException when the file cannot be written
   */
  public static void lossCurve(Path png, TrainingHistory history) throws IOException {
    Objects.requireNonNull(png, "png");
    Objects.requireNonNull(history, "history");
    List<EpochStats> epochs = history.epochs();
    if (epochs.isEmpty()) {
      throw new IllegalArgumentException("Cannot plot a training history without epochs");
    }
    double[] x = new double[epochs.size()];
    double[] loss = new double[epochs.size()];
    double[] valLoss = new double[epochs.size()];
    boolean validation = true;
    for (int i = 0; i < epochs.size(); i++) {
      EpochStats e = epochs.get(i);
      x[i] = e.epoch();
      loss[i] = e.loss();
      valLoss[i] = e.valLoss();
      validation &= e.hasValidation();
    }
    XYChart chart = new XYChartBuilder().width(CHART_WIDTH).height(CHART_HEIGHT)
        .title("Training loss (" + history.loss() + ")").xAxisTitle("epoch").yAxisTitle("loss").build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.addSeries("loss", x, loss).setMarker(SeriesMarkers.CIRCLE);
    if (validation) {
      chart.addSeries("val_loss", x, valLoss).setMarker(SeriesMarkers.DIAMOND);
    }
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // The stream form writes exactly to png; the file-name form would append ".png" to other names.
    try (OutputStream out = Files.newOutputStream(png)) {
      BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }
  }

  private static void drawTile(BufferedImage image, Row row, int sample, int left, int top, int scale) {
    int h = row.height();
    int w = row.width();
    int c = row.channels();
    float[] values = row.values();
    int base = sample * row.sampleSize();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int at = base + (y * w + x) * c;
        int rgb;
        if (c == 3) {
          rgb = (level(values[at]) << 16) | (level(values[at + 1]) << 8) | level(values[at + 2]);
        } else {
          int v = level(values[at]);
          rgb = (v << 16) | (v << 8) | v;
        }
        for (int dy = 0; dy < scale; dy++) {
          for (int dx = 0; dx < scale; dx++) {
            image.setRGB(left + x * scale + dx, top + y * scale + dy, rgb);
          }
        }
      }
    }
  }

  /** A value in [0,1] (clipped; NaN drawn as 0) as an 8-bit level. */
  private static int level(float v) {
    float clipped = Float.isNaN(v) ? 0f : Math.max(0f, Math.min(1f, v));
    return Math.round(clipped * 255f);
  }

  private static void checkLength(String what, float[] values, int n, int size) {
    if (values.length < (long) n * size || values.length % size != 0) {
      throw new IllegalArgumentException(what + " must hold at least " + n + " samples of " + size
          + " values (a whole number of samples), found " + values.length + " values");
    }
  }

  private static void write(Path png, BufferedImage image) throws IOException {
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream out = Files.newOutputStream(png)) {
      if (!ImageIO.write(image, "png", out)) {
        throw new IOException("No PNG writer available in javax.imageio for " + png);
      }
    }
  }
}
