package io.aebridge.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aebridge.serve.StandardServer;
import io.aebridge.serve.TestClient;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The autoencoder endpoints on the trained dense model. */
public class AutoencoderApiTest {
  @RegisterExtension
  static final StandardServer SERVER = new StandardServer();

  static String sample(int seed) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < 784; i++) {
      b.append(i == 0 ? "" : ",").append(((i * 13 + seed * 7) % 50) / 50.0);
    }
    return b.append(']').toString();
  }

  static String nested(int seed) {
    String flat = sample(seed);
    String[] v = flat.substring(1, flat.length() - 1).split(",");
    StringBuilder b = new StringBuilder("[");
    for (int r = 0; r < 28; r++) {
      b.append(r == 0 ? "[" : ",[");
      for (int c = 0; c < 28; c++) {
        b.append(c == 0 ? "" : ",").append(v[r * 28 + c]);
      }
      b.append(']');
    }
    return b.append(']').toString();
  }

  public static byte[] digitPng(int width, int height, boolean transparent) throws Exception {
    BufferedImage img = new BufferedImage(width, height, transparent ? BufferedImage.TYPE_INT_ARGB
        : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    if (!transparent) {
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
    }
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(Math.max(2, width / 10f)));
    g.drawLine(width / 2, height / 6, width / 2, height * 5 / 6);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  @Test
  void infoDescribesTheGeometry() {
    TestClient.Response r = SERVER.client.get("/v1/ae/dense");
    assertEquals(200, r.status(), r.text());
    JsonNode j = r.json();
    assertEquals("[-1,784]", j.at("/input/shape").toString());
    assertEquals("code", j.at("/code/name").asText());
    assertEquals("[-1,32]", j.at("/code/shape").toString());
    assertEquals(28, j.at("/image/height").asInt());
    assertEquals("model card", j.at("/image/source").asText());
    assertEquals(200, SERVER.client.get("/v1/ae/dense/versions/1").status());
    TestClient.Response notAe = SERVER.client.get("/v1/ae/half_plus_three");
    assertEquals(404, notAe.status());
    assertTrue(notAe.error().contains("serving_default"), notAe.error());
  }

  @Test
  void encodeDecodeReconstruct() {
    TestClient.Response enc = SERVER.client.post("/v1/ae/dense/encode",
        "{\"instances\": [" + sample(1) + "," + sample(2)
        + "]}");
    assertEquals(200, enc.status(), enc.text());
    JsonNode codes = enc.json().get("codes");
    assertEquals(2, codes.size());
    assertEquals(32, codes.get(0).size());
    TestClient.Response nestedEnc = SERVER.client.post("/v1/ae/dense/versions/1/encode", "{\"instances\": [" + nested(1)
        + "," + nested(2) + "]}");
    assertEquals(200, nestedEnc.status(), nestedEnc.text());
    assertEquals(codes, nestedEnc.json().get("codes"), "28×28 samples are reshaped to the flat input");

    TestClient.Response dec = SERVER.client.post("/v1/ae/dense/decode", "{\"instances\": " + codes + "}");
    assertEquals(200, dec.status(), dec.text());
    JsonNode decoded = dec.json().get("reconstructions");
    assertEquals(784, decoded.get(1).size());

    TestClient.Response rec = SERVER.client.post("/v1/ae/dense/reconstruct?include=code",
        "{\"instances\": [" + sample(1)
        + "," + sample(2) + "]}");
    assertEquals(200, rec.status(), rec.text());
    JsonNode j = rec.json();
    assertEquals("mse", j.get("error_metric").asText());
    assertEquals(codes, j.get("codes"));
    String[] x = sample(2).substring(1, sample(2).length() - 1).split(",");
    double sum = 0;
    for (int i = 0; i < 784; i++) {
      double d = Double.parseDouble(x[i]) - j.get("reconstructions").get(1).get(i).asDouble();
      sum += d * d;
    }
    assertEquals(sum / 784, j.get("errors").get(1).asDouble(), 1e-6);
    assertEquals(decoded.get(1).get(5).asDouble(), j.get("reconstructions").get(1).get(5).asDouble(), 1e-5,
        "decode(encode(x)) equals the reconstruction");

    TestClient.Response bad = SERVER.client.post("/v1/ae/dense/encode", "{\"instances\": [[1, 2, 3]]}");
    assertEquals(400, bad.status());
    assertTrue(bad.error().contains("(-1, 784)"), bad.error());
  }

  @Test
  void imageOfAnySizeIsFittedAndReconstructed() throws Exception {
    TestClient.Response r = SERVER.client.post("/v1/ae/dense/image",
      digitPng(120, 80, true), "Content-Type", "image/png");
    assertEquals(200, r.status(), r.text());
    JsonNode j = r.json();
    String steps = j.get("steps").toString();
    assertTrue(steps.contains("120×80 → 28×28") && steps.contains("inverted") && steps.contains("greyscale")
        && steps.contains("transparency"), steps);
    BufferedImage rec = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder()
        .decode(j.get("reconstruction_png").asText())));
    assertEquals(28, rec.getWidth());
    BufferedImage input = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder()
        .decode(j.get("input_png").asText())));
    assertEquals(28, input.getHeight());
    assertTrue(input.getRaster().getSample(14, 14, 0) > 128, "the stroke became light on dark");
    assertEquals(32, j.get("code").size());
    assertEquals("[32]", j.get("code_shape").toString());
    assertTrue(j.get("reconstruction_error").isNumber());
    assertTrue(!j.has("noisy_png"));

    TestClient.Response noisy = SERVER.client.post("/v1/ae/dense/image?noise=0.3&seed=5&invert=auto", digitPng(28, 28,
        false));
    assertEquals(200, noisy.status(), noisy.text());
    assertNotNull(noisy.json().get("noisy_png"));
    assertTrue(noisy.json().get("error_vs_clean").isNumber());
    assertTrue(noisy.json().get("steps").toString().contains("noise"));

    TestClient.Response png = SERVER.client.post("/v1/ae/dense/image?format=png", digitPng(300, 300, false));
    assertEquals(200, png.status());
    assertEquals("image/png", png.header("Content-Type"));
    assertEquals(28, ImageIO.read(new ByteArrayInputStream(png.body())).getWidth());
    assertNotNull(png.header("X-Reconstruction-Error"));
    TestClient.Response accept = SERVER.client.post("/v1/ae/dense/image",
      digitPng(50, 50, false), "Accept", "image/png");
    assertEquals("image/png", accept.header("Content-Type"));
  }

  @Test
  void badImagesAre4xx() throws Exception {
    TestClient.Response r = SERVER.client.post("/v1/ae/dense/image", "not an image at all");
    assertEquals(415, r.status(), r.text());
    r = SERVER.client.post("/v1/ae/dense/image", new byte[0]);
    assertEquals(400, r.status());
    byte[] png = digitPng(40, 40, false);
    r = SERVER.client.post("/v1/ae/dense/image", java.util.Arrays.copyOf(png, png.length / 2));
    assertEquals(400, r.status(), "truncated: " + r.text());
    byte[] liar = png.clone();
    // IHDR width and height (bytes 16–23) claim 100000 × 100000.
    java.nio.ByteBuffer.wrap(liar, 16, 8).putInt(100_000).putInt(100_000);
    r = SERVER.client.post("/v1/ae/dense/image", liar);
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().contains("limits.maxImagePixels") || r.error().contains("decode"), r.error());
    r = SERVER.client.post("/v1/ae/dense/image?noise=3", png);
    assertEquals(400, r.status());
    r = SERVER.client.post("/v1/ae/dense/image?invert=maybe", png);
    assertEquals(400, r.status());
    r = SERVER.client.post("/v1/ae/half_plus_three/image", png);
    assertEquals(400, r.status());
    assertTrue(r.error().contains("image size"), r.error());
  }
}
