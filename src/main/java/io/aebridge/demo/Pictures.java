package io.aebridge.demo;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The demos' charts and example images, drawn off screen (headless). Image grids are
 * {@link io.aebridge.evaluate.Figures#grid}. Stateless; each call writes one PNG, replacing it.
 */
final class Pictures {
  private Pictures() {}

  /** A scatter plot of 2-D points coloured by their label (0–9), one series per label. */
  static void scatter(Path png, String title, float[] points, int[] labels, String xTitle, String yTitle)
      throws IOException {
    XYChart chart = new XYChartBuilder().width(640).height(560).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle)
        .build();
    chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.getStyler().setMarkerSize(4);
    for (int label = 0; label <= 9; label++) {
      int count = 0;
      for (int l : labels) {
        count += l == label ? 1 : 0;
      }
      if (count == 0) {
        continue;
      }
      double[] x = new double[count];
      double[] y = new double[count];
      for (int i = 0, j = 0; i < labels.length; i++) {
        if (labels[i] == label) {
          x[j] = points[2 * i];
          y[j++] = points[2 * i + 1];
        }
      }
      chart.addSeries(Integer.toString(label), x, y).setMarker(SeriesMarkers.CIRCLE);
    }
    save(png, chart);
  }

  /** An ROC curve with the chance diagonal and the operating point of the threshold. */
  static void roc(Path png, String title, double[] fpr, double[] tpr, double pointFpr, double pointTpr)
      throws IOException {
    XYChart chart = new XYChartBuilder().width(560).height(520).title(title).xAxisTitle("false positive rate")
        .yAxisTitle("true positive rate").build();
    chart.getStyler().setChartBackgroundColor(Color.WHITE);
    chart.addSeries("ROC", fpr, tpr).setMarker(SeriesMarkers.NONE);
    chart.addSeries("chance", new double[] {0, 1}, new double[] {0, 1}).setMarker(SeriesMarkers.NONE)
        .setLineColor(Color.GRAY);
    chart.addSeries("threshold", new double[] {pointFpr}, new double[] {pointTpr})
        .setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter).setMarker(SeriesMarkers.DIAMOND);
    save(png, chart);
  }

  private static void save(Path png, XYChart chart) throws IOException {
    parent(png);
    try (OutputStream out = Files.newOutputStream(png)) {
      BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }
  }

  private static void parent(Path png) throws IOException {
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
  }

  /** One {@code h × w × c} image (c = 1 or 3) as PNG bytes. */
  static byte[] png(float[] values, int h, int w, int c) throws IOException {
    BufferedImage image = new BufferedImage(w, h, c == 3 ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int at = (y * w + x) * c;
        int rgb = c == 3 ? level(values[at]) << 16 | level(values[at + 1]) << 8 | level(values[at + 2])
            : level(values[at]) * 0x010101;
        image.setRGB(x, y, rgb);
      }
    }
    var bytes = new java.io.ByteArrayOutputStream();
    ImageIO.write(image, "png", bytes);
    return bytes.toByteArray();
  }

  private static int level(float v) {
    return Math.round((Float.isNaN(v) ? 0f : Math.max(0f, Math.min(1f, v))) * 255f);
  }
}
