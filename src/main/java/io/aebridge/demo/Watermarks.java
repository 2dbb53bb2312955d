package io.aebridge.demo;

import io.aebridge.data.Dataset;
import java.awt.BasicStroke;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws watermarks on images with Java2D: a text or a logo shape at a random position, size, angle, opacity and
 * colour, blended over the image ({@code out = (1 − αo)·image + αo·colour}, α the antialiased coverage, o the
 * opacity). Two disjoint {@link Style}s: the model trains on one set of fonts, words and shapes and is measured on
 * the other, never seen in training. Deterministic for a seed; stateless.
 */
final class Watermarks {
  /** A family of watermarks: fonts, words and logo shapes. */
  enum Style {
    /** What the model trains on: sans-serif and bold serif words, rings and stars. */
    TRAINING(List.of(new Font(Font.SANS_SERIF, Font.PLAIN, 10), new Font(Font.SERIF, Font.BOLD, 10)),
        List.of("SAMPLE", "DRAFT", "© AE", "STOCK"), List.of(Shape.RING, Shape.STAR)),
    /** Held out: monospaced bold and serif italic words never used in training, triangles and crosses. */
    HELD_OUT(List.of(new Font(Font.MONOSPACED, Font.BOLD, 10), new Font(Font.SERIF, Font.ITALIC, 10)),
        List.of("PROOF", "COPY", "® 24"), List.of(Shape.TRIANGLE, Shape.CROSS));

    final List<Font> fonts;
    final List<String> words;
    final List<Shape> shapes;

    Style(List<Font> fonts, List<String> words, List<Shape> shapes) {
      this.fonts = fonts;
      this.words = words;
      this.shapes = shapes;
    }
  }

  enum Shape { RING, STAR, TRIANGLE, CROSS }

  private Watermarks() {}

  /** {@link #apply(Dataset, Style, long, int)} with one watermark per sample. */
  static Dataset apply(Dataset clean, Style style, long seed) {
    return apply(clean, style, seed, 1);
  }

  /**
   * A watermarked copy of {@code clean} (same shape), {@code perSample} watermarks drawn one over the other on each
   * sample, each with its own position, size, angle, opacity and colour. One-channel images get light grey levels;
   * colour images a grey level or any colour, each half the time.
   */
  static Dataset apply(Dataset clean, Style style, long seed, int perSample) {
    if (perSample < 1) {
      throw new IllegalArgumentException("watermarks per sample must be ≥ 1, found " + perSample);
    }
    SplittableRandom random = new SplittableRandom(seed);
    int h = clean.height();
    int w = clean.width();
    int c = clean.channels();
    float[] out = clean.values().clone();
    float[] coverage = new float[h * w];
    for (int n = 0; n < clean.count(); n++) {
      for (int mark = 0; mark < perSample; mark++) {
        draw(coverage, h, w, style, random);
        blend(out, n * h * w * c, coverage, c, random);
      }
    }
    return new Dataset(out, clean.count(), h, w, c, clean.labels(),
        clean.source() + " watermarked (" + perSample + " per sample, " + style.name().toLowerCase(
            java.util.Locale.ROOT) + " style, seed " + seed + ")");
  }

  /** Blends one watermark of {@code coverage} over the sample at {@code base} with a random opacity and colour. */
  private static void blend(float[] out, int base, float[] coverage, int c, SplittableRandom random) {
    float opacity = (float) (0.35 + 0.4 * random.nextDouble());
    float[] colour = new float[c];
    if (c == 1) {
      colour[0] = (float) (0.6 + 0.4 * random.nextDouble());
    } else if (random.nextBoolean()) {
      float level = (float) random.nextDouble();
      java.util.Arrays.fill(colour, level);
    } else {
      for (int k = 0; k < c; k++) {
        colour[k] = (float) random.nextDouble();
      }
    }
    for (int p = 0; p < coverage.length; p++) {
      float a = coverage[p] * opacity;
      for (int k = 0; k < c; k++) {
        int at = base + p * c + k;
        out[at] = (1 - a) * out[at] + a * colour[k];
      }
    }
  }

  /** Fills {@code coverage} with one watermark's antialiased coverage in [0,1]. */
  private static void draw(float[] coverage, int h, int w, Style style, SplittableRandom random) {
    BufferedImage mask = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    Graphics2D g = mask.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(java.awt.Color.WHITE);
      double side = Math.min(h, w);
      double cx = w * (0.2 + 0.6 * random.nextDouble());
      double cy = h * (0.2 + 0.6 * random.nextDouble());
      double angle = Math.toRadians(-35 + 70 * random.nextDouble());
      AffineTransform at = new AffineTransform();
      at.translate(cx, cy);
      at.rotate(angle);
      g.transform(at);
      if (random.nextBoolean()) {
        Font base = style.fonts.get(random.nextInt(style.fonts.size()));
        String word = style.words.get(random.nextInt(style.words.size()));
        float size = (float) (side * (0.22 + 0.18 * random.nextDouble()));
        g.setFont(base.deriveFont(size));
        var metrics = g.getFontMetrics();
        g.drawString(word, -metrics.stringWidth(word) / 2f, (metrics.getAscent() - metrics.getDescent()) / 2f);
      } else {
        Shape shape = style.shapes.get(random.nextInt(style.shapes.size()));
        double r = side * (0.18 + 0.17 * random.nextDouble());
        g.setStroke(new BasicStroke((float) Math.max(1.5, r * 0.3)));
        switch (shape) {
          case RING -> g.draw(new Ellipse2D.Double(-r, -r, 2 * r, 2 * r));
          case STAR -> g.fill(star(r));
          case TRIANGLE -> {
            Polygon p = new Polygon();
            for (int i = 0; i < 3; i++) {
              double t = -Math.PI / 2 + i * 2 * Math.PI / 3;
              p.addPoint((int) Math.round(r * Math.cos(t)), (int) Math.round(r * Math.sin(t)));
            }
            g.draw(p);
          }
          case CROSS -> {
            g.draw(new java.awt.geom.Line2D.Double(-r, -r, r, r));
            g.draw(new java.awt.geom.Line2D.Double(-r, r, r, -r));
          }
        }
      }
    } finally {
      g.dispose();
    }
    var raster = mask.getRaster();
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        coverage[y * w + x] = raster.getSample(x, y, 0) / 255f;
      }
    }
  }

  private static Path2D star(double r) {
    Path2D.Double p = new Path2D.Double();
    for (int i = 0; i < 10; i++) {
      double t = -Math.PI / 2 + i * Math.PI / 5;
      double radius = i % 2 == 0 ? r : r * 0.45;
      if (i == 0) {
        p.moveTo(radius * Math.cos(t), radius * Math.sin(t));
      } else {
        p.lineTo(radius * Math.cos(t), radius * Math.sin(t));
      }
    }
    p.closePath();
    return p;
  }
}
