package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.http.AutoencoderApiTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Mutated and hostile requests against every body-reading endpoint: each must get a 4xx (or a 2xx when the
 * mutation happens to stay valid), never a 5xx, and the server must answer a valid request afterwards. A seeded,
 * bounded mutation run — the coverage-guided fuzzing of the reliability suite goes further.
 */
class BadInputTest {
  @RegisterExtension
  static final StandardServer SERVER = new StandardServer(b -> b
      .limits(ServerConfig.Limits.defaults().withMaxBodyBytes(1 << 20)));

  private static final Map<String, String> SEEDS = new TreeMap<>(Map.of(
      "/v1/models/half_plus_three:predict", "{\"signature_name\": \"serving_default\", \"instances\": [1.0, 2.5, NaN]}",
      "/v1/models/multi_io:predict", "{\"instances\": [{\"keras_tensor_3\": [1, 2, 3, 4, 5], \"sensor\": [[1, 2], "
          + "[3, 4]]}]}",
      "/v1/models/typed/versions/1:predict", "{\"inputs\": {\"a\": [[1, 2]], \"b\": [3], \"c\": [0.5]}}",
      "/v2/models/multi_io/infer", "{\"id\": \"x\", \"parameters\": {\"binary_data_output\": false}, \"inputs\": ["
          + "{\"name\": \"keras_tensor_3\", \"shape\": [1, 5], \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4, 5]}, "
          + "{\"name\": \"sensor\", \"shape\": [1, 2, 2], \"datatype\": \"FP32\", \"data\": [[1, 2], [3, 4]]}], "
          + "\"outputs\": [{\"name\": \"doubled\"}]}",
      "/v1/ae/dense/encode", "{\"instances\": [[" + "0.25,".repeat(783) + "0.5]]}"));

  @Test
  void mutatedBodiesNeverGet5xx() throws Exception {
    SplittableRandom random = new SplittableRandom(20261127);
    List<String> failures = new ArrayList<>();
    int requests = 0;
    for (Map.Entry<String, String> seed : SEEDS.entrySet()) {
      byte[] base = seed.getValue().getBytes(StandardCharsets.UTF_8);
      assertEquals(200, SERVER.client.post(seed.getKey(), base).status(), seed.getKey() + " seed must be valid");
      for (int i = 0; i < 250; i++) {
        byte[] body = mutate(base, random);
        TestClient.Response r = SERVER.client.post(seed.getKey(), body);
        requests++;
        if (r.status() >= 500 || (r.status() >= 400 && r.json().path("error").asText().isEmpty())) {
          failures.add(r.status() + " " + seed.getKey() + " <- " + new String(body, StandardCharsets.UTF_8)
              + " -> " + r.text());
        }
      }
    }
    assertEquals(List.of(), failures.subList(0, Math.min(5, failures.size())), failures.size() + " of " + requests);
    assertEquals(200, SERVER.client.post("/v1/models/half_plus_three:predict", "{\"instances\": [1]}").status());
  }

  @Test
  void hostileImagesAndBinaryFraming() throws Exception {
    SplittableRandom random = new SplittableRandom(7);
    byte[] png = AutoencoderApiTest.digitPng(40, 30, true);
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < 150; i++) {
      byte[] body = mutate(png, random);
      TestClient.Response r = SERVER.client.post("/v1/ae/dense/image", body);
      if (r.status() >= 500) {
        failures.add(r.status() + " " + r.text());
      }
    }
    String header = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"parameters\": "
        + "{\"binary_data_size\": 3136}}]}";
    byte[] full = new byte[header.length() + 3136];
    System.arraycopy(header.getBytes(StandardCharsets.UTF_8), 0, full, 0, header.length());
    for (int i = 0; i < 150; i++) {
      byte[] body = random.nextBoolean() ? mutate(full, random) : full;
      String length = switch (random.nextInt(4)) {
        case 0 -> Integer.toString(header.length());
        case 1 -> Integer.toString(random.nextInt(-5, full.length + 50));
        case 2 -> "12abc";
        default -> Long.toString(Long.MAX_VALUE);
      };
      TestClient.Response r = SERVER.client.post("/v2/models/dense/infer",
          body, "Inference-Header-Content-Length", length);
      if (r.status() >= 500) {
        failures.add(r.status() + " " + r.text());
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(SERVER.client.get("/v2/health/live").status() == 200);
  }

  /** One to three random edits: flip, delete, duplicate or insert a JSON-ish token, or truncate. */
  static byte[] mutate(byte[] in, SplittableRandom r) {
    byte[] b = in.clone();
    int edits = 1 + r.nextInt(3);
    for (int e = 0; e < edits && b.length > 0; e++) {
      int at = r.nextInt(b.length);
      switch (r.nextInt(6)) {
        case 0 -> b[at] = (byte) r.nextInt(256);
        case 1 -> b = concat(slice(b, 0, at), slice(b, Math.min(b.length, at + 1 + r.nextInt(8)), b.length));
        case 2 -> b = concat(slice(b, 0, at), slice(b, at, Math.min(b.length, at + 1 + r.nextInt(16))),
            slice(b, at, b.length));
        case 3 -> {
          String[] tokens = {"[", "]", "{", "}", ",", ":", "\"", "-", "1e999", "NaN", "-Infinity", "null", "true",
              "\"b64\"", "[[[[", "9999999999999999999999", "0.", "\\u0000", "\"name\":", "\"shape\": [-1]"};
          b = concat(slice(b, 0, at), tokens[r.nextInt(tokens.length)].getBytes(StandardCharsets.UTF_8),
              slice(b, at, b.length));
        }
        case 4 -> b = slice(b, 0, at);
        default -> b[at] = (byte) (b[at] ^ (1 << r.nextInt(8)));
      }
    }
    return b;
  }

  private static byte[] slice(byte[] b, int from, int to) {
    return java.util.Arrays.copyOfRange(b, from, Math.max(from, to));
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int o = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, o, p.length);
      o += p.length;
    }
    return out;
  }
}
