package io.aebridge.serve.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aebridge.serve.StandardServer;
import io.aebridge.serve.TestClient;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Open Inference Protocol V2 over real HTTP, JSON and binary tensors. */
class InferenceProtocolApiTest {
  @RegisterExtension
  static final StandardServer SERVER = new StandardServer();

  static float[] sample(int n, int seed) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = ((i * 31 + seed * 17) % 100) / 100f;
    }
    return v;
  }

  static String json(float[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      b.append(i == 0 ? "" : ",").append(v[i]);
    }
    return b.append(']').toString();
  }

  @Test
  void serverMetadataAndHealth() {
    JsonNode meta = SERVER.client.get("/v2").json();
    assertEquals("aebridge", meta.get("name").asText());
    assertTrue(meta.get("extensions").toString().contains("binary_tensor_data"));
    TestClient.Response live = SERVER.client.get("/v2/health/live");
    assertEquals(200, live.status());
    assertEquals("{\"live\":true}", live.text());
    assertEquals(200, SERVER.client.get("/v2/health/ready").status());
  }

  @Test
  void modelMetadataAndReadiness() {
    TestClient.Response r = SERVER.client.get("/v2/models/dense");
    assertEquals(200, r.status(), r.text());
    JsonNode m = r.json();
    assertEquals("dense", m.get("name").asText());
    assertEquals("[\"1\"]", m.get("versions").toString());
    assertEquals("tensorflow_savedmodel", m.get("platform").asText());
    assertEquals("{\"name\":\"x\",\"datatype\":\"FP32\",\"shape\":[-1,784]}", m.get("inputs").get(0).toString());
    assertEquals("reconstruction", m.get("outputs").get(0).get("name").asText());
    assertEquals("code",
        SERVER.client.get("/v2/models/dense?signature_name=encode").json().at("/outputs/0/name").asText());
    assertEquals(200, SERVER.client.get("/v2/models/dense/versions/1").status());
    assertEquals(404, SERVER.client.get("/v2/models/dense/versions/2").status());
    TestClient.Response ready = SERVER.client.get("/v2/models/dense/ready");
    assertEquals(200, ready.status());
    assertEquals("{\"name\":\"dense\",\"ready\":true}", ready.text());
    assertEquals(200, SERVER.client.get("/v2/models/dense/versions/1/ready").status());
    assertEquals(404, SERVER.client.get("/v2/models/dense/versions/5/ready").status());
    assertEquals(404, SERVER.client.get("/v2/models/nope/ready").status());
    JsonNode typed = SERVER.client.get("/v2/models/typed").json();
    java.util.Map<String, String> types = new java.util.TreeMap<>();
    typed.get("inputs").forEach(i -> types.put(i.get("name").asText(), i.get("datatype").asText()));
    assertEquals("{a=INT32, b=INT64, c=FP64}", types.toString());
  }

  @Test
  void inferJsonFlatAndNestedWithIdEcho() {
    float[] a = sample(784, 1);
    float[] b = sample(784, 2);
    String flat = "{\"id\": \"req-7\", \"inputs\": [{\"name\": \"x\", \"shape\": [2, 784], \"datatype\": \"FP32\", "
        + "\"data\": " + json(a).replace("]", "") + "," + json(b).substring(1) + "}]}";
    TestClient.Response r = SERVER.client.post("/v2/models/dense/infer", flat);
    assertEquals(200, r.status(), r.text());
    JsonNode j = r.json();
    assertEquals("dense", j.get("model_name").asText());
    assertEquals("1", j.get("model_version").asText());
    assertEquals("req-7", j.get("id").asText());
    JsonNode out = j.get("outputs").get(0);
    assertEquals("reconstruction", out.get("name").asText());
    assertEquals("FP32", out.get("datatype").asText());
    assertEquals("[2,784]", out.get("shape").toString());
    assertEquals(1568, out.get("data").size());
    String nested = "{\"inputs\": [{\"data\": [" + json(a) + "," + json(b) + "], \"name\": \"x\", \"datatype\": "
        + "\"FP32\", \"shape\": [2, 784]}]}";
    TestClient.Response r2 = SERVER.client.post("/v2/models/dense/versions/1/infer", nested);
    assertEquals(200, r2.status(), r2.text());
    assertEquals(out.get("data"), r2.json().at("/outputs/0/data"), "flat and nested give the same result");
    assertTrue(!r2.json().has("id"), "no id when none was sent");
  }

  @Test
  void outputSelectionSignatureAndDtypes() {
    String body = "{\"inputs\": [{\"name\": \"keras_tensor_3\", \"shape\": [1, 5], \"datatype\": \"FP32\", \"data\": "
        + "[1, 2, 3, 4, 5]}, {\"name\": \"sensor\", \"shape\": [1, 2, 2], \"datatype\": \"FP32\", \"data\": [1, 1, 1, "
        + "1]}], \"outputs\": [{\"name\": \"doubled\"}]}";
    TestClient.Response r = SERVER.client.post("/v2/models/multi_io/infer", body);
    assertEquals(200, r.status(), r.text());
    assertEquals(1, r.json().get("outputs").size());
    assertEquals("[2.0,4.0,6.0,8.0,10.0]", r.json().at("/outputs/0/data").toString());
    String one = "{\"parameters\": {\"signature_name\": \"signal_only\"}, \"inputs\": [{\"name\": \"keras_tensor_3\", "
        + "\"shape\": [1, 5], \"datatype\": \"FP32\", \"data\": [1, 2, 3, 4, 5]}]}";
    r = SERVER.client.post("/v2/models/multi_io/infer", one);
    assertEquals(200, r.status(), r.text());
    assertEquals("[15.0]", r.json().at("/outputs/0/data").toString());
    String typed = "{\"inputs\": [{\"name\": \"a\", \"shape\": [1, 2], \"datatype\": \"INT32\", \"data\": [[7, -8]]}, "
        + "{\"name\": \"b\", \"shape\": [1], \"datatype\": \"INT64\", \"data\": [4611686018427387903]}, "
        + "{\"name\": \"c\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [0.3]}]}";
    r = SERVER.client.post("/v2/models/typed/infer", typed);
    assertEquals(200, r.status(), r.text());
    java.util.Map<String, JsonNode> outs = new java.util.HashMap<>();
    r.json().get("outputs").forEach(o -> outs.put(o.get("name").asText(), o));
    assertEquals("INT32", outs.get("a_plus_1").get("datatype").asText());
    assertEquals("[8,-7]", outs.get("a_plus_1").get("data").toString());
    assertEquals("9223372036854775806", outs.get("b_times_2").get("data").get(0).asText());
    assertEquals("FP64", outs.get("c_half").get("datatype").asText());
    assertEquals(0.15, outs.get("c_half").get("data").get(0).asDouble(), 0);
  }

  /**
   * A V2 request carries one batch: batched inputs of different first dimensions are refused, as Triton refuses
   * them ("input 'b' batch size does not match other inputs"); TF Serving's columnar predict takes them.
   */
  @Test
  void batchedInputsMustShareOneBatchSize() {
    String typed = "{\"inputs\": [{\"name\": \"a\", \"shape\": [1, 2], \"datatype\": \"INT32\", \"data\": [7, -8]}, "
        + "{\"name\": \"b\", \"shape\": [2], \"datatype\": \"INT64\", \"data\": [4, 1]}, "
        + "{\"name\": \"c\", \"shape\": [1], \"datatype\": \"FP64\", \"data\": [0.3]}]}";
    TestClient.Response r = SERVER.client.post("/v2/models/typed/infer", typed);
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().contains("'a' 1, 'b' 2, 'c' 1") && r.error().contains("one batch size"), r.error());
    String multi = "{\"inputs\": [{\"name\": \"keras_tensor_3\", \"shape\": [2, 5], \"datatype\": \"FP32\", "
        + "\"data\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}, {\"name\": \"sensor\", \"shape\": [1, 2, 2], "
        + "\"datatype\": \"FP32\", \"data\": [1, 1, 1, 1]}]}";
    r = SERVER.client.post("/v2/models/multi_io/infer", multi);
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().contains("'keras_tensor_3' 2, 'sensor' 1"), r.error());
    r = SERVER.client.post("/v1/models/typed:predict", "{\"inputs\": {\"a\": [[7, -8]], \"b\": [4, 1], \"c\": [0.3]}}");
    assertEquals(200, r.status(), r.text());
    assertEquals("[8,2]", r.json().at("/outputs/b_times_2").toString());
  }

  @Test
  void binaryTensorsInAndOut() throws Exception {
    float[] a = sample(784, 3);
    float[] b = sample(784, 4);
    String header = "{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 784], \"datatype\": \"FP32\", \"parameters\": "
        + "{\"binary_data_size\": " + 2 * 784 * 4 + "}}], \"outputs\": [{\"name\": \"reconstruction\", "
        + "\"parameters\": {\"binary_data\": true}}]}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer data = ByteBuffer.allocate(2 * 784 * 4).order(ByteOrder.LITTLE_ENDIAN);
    data.asFloatBuffer().put(a).put(b);
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(h);
    body.write(data.array());
    TestClient.Response r = SERVER.client.post("/v2/models/dense/infer", body.toByteArray(),
        "Content-Type", "application/octet-stream", "Inference-Header-Content-Length", Integer.toString(h.length));
    assertEquals(200, r.status(), r.text());
    int jsonLength = Integer.parseInt(r.header("Inference-Header-Content-Length"));
    assertEquals("application/octet-stream", r.header("Content-Type"));
    JsonNode head = TestClient.JSON.readTree(new String(r.body(), 0, jsonLength, StandardCharsets.UTF_8));
    assertEquals(2 * 784 * 4, head.at("/outputs/0/parameters/binary_data_size").asInt());
    assertTrue(!head.at("/outputs/0").has("data"));
    float[] got = new float[2 * 784];
    ByteBuffer.wrap(r.body(), jsonLength, r.body().length - jsonLength).order(ByteOrder.LITTLE_ENDIAN)
        .asFloatBuffer().get(got);
    assertEquals(r.body().length, jsonLength + got.length * 4);

    String asJson = "{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 784], \"datatype\": \"FP32\", \"data\": ["
        + json(a) + "," + json(b) + "]}]}";
    JsonNode expected = SERVER.client.post("/v2/models/dense/infer", asJson).json().at("/outputs/0/data");
    float[] want = new float[got.length];
    for (int i = 0; i < want.length; i++) {
      want[i] = (float) expected.get(i).asDouble();
    }
    assertArrayEquals(want, got, "binary and JSON paths agree exactly");

    String all = "{\"parameters\": {\"binary_data_output\": true}, \"inputs\": [{\"name\": \"x\", \"shape\": [2, 784], "
        + "\"datatype\": \"FP32\", \"data\": [" + json(a) + "," + json(b) + "]}]}";
    TestClient.Response r2 = SERVER.client.post("/v2/models/dense/infer", all);
    assertEquals(200, r2.status());
    assertEquals("application/octet-stream", r2.header("Content-Type"));
  }

  @Test
  void errorsAre4xxNamingTheProblem() {
    TestClient.Response r = SERVER.client.post("/v2/models/dense/infer",
        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 784], "
        + "\"datatype\": \"FP64\", \"data\": " + json(sample(784, 0)) + "}]}");
    assertEquals(400, r.status());
    assertTrue(r.error().contains("FP32") && r.error().contains("FP64"), r.error());
    r = SERVER.client.post("/v2/models/dense/infer",
        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 784], \"datatype\": "
        + "\"UINT32\", \"data\": " + json(sample(784, 0)) + "}]}");
    assertEquals(400, r.status());
    assertTrue(r.error().contains("UINT32") && r.error().contains("FP32, FP64, INT32, INT64"), r.error());
    r = SERVER.client.post("/v2/models/dense/infer",
        "{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 784], \"datatype\": "
        + "\"FP32\", \"data\": " + json(sample(784, 0)) + "}]}");
    assertEquals(400, r.status());
    assertTrue(r.error().contains("1568") && r.error().contains("784"), r.error());
    r = SERVER.client.post("/v2/models/dense/infer",
        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 783], \"datatype\": "
        + "\"FP32\", \"data\": " + json(sample(783, 0)) + "}]}");
    assertEquals(400, r.status());
    assertTrue(r.error().contains("(-1, 784)"), r.error());
    r = SERVER.client.post("/v2/models/dense/infer",
        "{\"inputs\": [{\"name\": \"y\", \"shape\": [1], \"datatype\": \"FP32\", "
        + "\"data\": [1]}]}");
    assertEquals(400, r.status());
    assertTrue(r.error().contains("'y'") && r.error().contains("[x]"), r.error());
    r = SERVER.client.post("/v2/models/dense/infer",
        "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 784], \"datatype\": "
        + "\"FP32\", \"data\": " + json(sample(784, 0)) + "}], \"outputs\": [{\"name\": \"nope\"}]}");
    assertEquals(400, r.status());
    assertTrue(r.error().contains("reconstruction"), r.error());
    r = SERVER.client.post("/v2/models/dense/infer", "{\"inputs\": []}");
    assertEquals(400, r.status());
    r = SERVER.client.post("/v2/models/dense/infer",
        "{\"inputs\": [{\"name\": \"x\", \"shape\": [99999999999, 99999999999, "
        + "99999], \"datatype\": \"FP32\", \"data\": [1]}]}");
    assertEquals(400, r.status(), r.text());
    // The protocol's own example asks for UINT32 and BOOL: a clear 400, not a crash.
    r = SERVER.client.post("/v2/models/dense/infer",
        "{\"id\" : \"42\", \"inputs\" : [{\"name\" : \"input0\", \"shape\" : [ 2, 2 ],"
        + " \"datatype\" : \"UINT32\", \"data\" : [ 1, 2, 3, 4 ]}, {\"name\" : \"input1\", \"shape\" : [ 3 ], "
        + "\"datatype\" : \"BOOL\", \"data\" : [ true ]}], \"outputs\" : [{\"name\" : \"output0\"}]}");
    assertEquals(400, r.status(), r.text());
  }

  @Test
  void binaryFramingErrors() {
    String header = "{\"inputs\": [{\"name\": \"keras_tensor_3\", \"shape\": [1, 5], \"datatype\": \"FP32\", "
        + "\"parameters\": {\"binary_data_size\": 20}}, {\"name\": \"sensor\", \"shape\": [1, 2, 2], \"datatype\": "
        + "\"FP32\", \"parameters\": {\"binary_data_size\": 16}}]}";
    byte[] h = header.getBytes(StandardCharsets.UTF_8);
    byte[] ok = new byte[h.length + 36];
    System.arraycopy(h, 0, ok, 0, h.length);
    TestClient.Response r = SERVER.client.post("/v2/models/multi_io/infer", ok, "Inference-Header-Content-Length",
        Integer.toString(h.length));
    assertEquals(200, r.status(), r.text());
    r = SERVER.client.post("/v2/models/multi_io/infer",
        ok, "Inference-Header-Content-Length", Integer.toString(h.length + 4));
    assertEquals(400, r.status(), "a lying header length: " + r.text());
    r = SERVER.client.post("/v2/models/multi_io/infer", ok, "Inference-Header-Content-Length", "999999");
    assertEquals(400, r.status());
    r = SERVER.client.post("/v2/models/multi_io/infer", ok, "Inference-Header-Content-Length", "-3");
    assertEquals(400, r.status());
    r = SERVER.client.post("/v2/models/multi_io/infer", java.util.Arrays.copyOf(ok, ok.length - 1),
        "Inference-Header-Content-Length", Integer.toString(h.length));
    assertEquals(400, r.status(), "truncated binary data");
    assertTrue(r.error().contains("sensor"), r.error());
    r = SERVER.client.post("/v2/models/multi_io/infer", java.util.Arrays.copyOf(ok, ok.length + 3),
        "Inference-Header-Content-Length", Integer.toString(h.length));
    assertEquals(400, r.status(), "trailing bytes");
    r = SERVER.client.post("/v2/models/multi_io/infer", h);
    assertEquals(400, r.status(), "binary without the header: " + r.text());
    String wrongSize = header.replace("\"binary_data_size\": 20", "\"binary_data_size\": 24");
    r = SERVER.client.post("/v2/models/multi_io/infer", (wrongSize + "x".repeat(40)).getBytes(StandardCharsets.UTF_8),
        "Inference-Header-Content-Length", Integer.toString(wrongSize.length()));
    assertEquals(400, r.status());
    assertTrue(r.error().contains("binary_data_size"), r.error());
  }

  // --- issue 10 item 5: every signature in V2 terms, Triton's config and statistics, parameters refused ---

  private static String inferTwo(String signatureParameter) {
    return "{\"inputs\": [{\"name\": \"x\", \"shape\": [2, 784], \"datatype\": \"FP32\", \"data\": "
        + json(sample(1568, 3)) + "}]" + signatureParameter + "}";
  }

  @Test
  void v2MetadataListsEverySignatureAndInferCallsThemByName() {
    JsonNode meta = SERVER.client.get("/v2/models/dense").json();
    assertEquals("serving_default", meta.get("signature_name").asText());
    List<String> names = new ArrayList<>();
    meta.get("signatures").forEach(s -> names.add(s.get("name").asText()));
    assertEquals(List.of("serving_default", "decode", "encode"), names);
    JsonNode encode = meta.get("signatures").get(2);
    assertEquals(false, encode.get("default").asBoolean());
    assertEquals("code", encode.at("/outputs/0/name").asText());
    assertEquals("FP32", encode.at("/outputs/0/datatype").asText());
    long codeSize = encode.at("/outputs/0/shape/1").asLong();

    JsonNode encoded = SERVER.client.post("/v2/models/dense/infer",
        inferTwo(", \"parameters\": {\"signature_name\": \"encode\"}")).json();
    assertEquals("code", encoded.at("/outputs/0/name").asText());
    assertEquals(2 * codeSize, encoded.at("/outputs/0/data").size());
    assertEquals("encode", SERVER.client.get("/v2/models/dense?signature_name=encode").json()
        .get("signature_name").asText());
  }

  @Test
  void tritonConfigurationDescribesTheSignatureInTritonTerms() {
    JsonNode config = SERVER.client.get("/v2/models/dense/config").json();
    assertEquals("dense", config.get("name").asText());
    assertEquals("tensorflow_savedmodel", config.get("platform").asText());
    assertEquals(1, config.at("/version_policy/latest/num_versions").asInt());
    assertTrue(config.get("max_batch_size").asInt() > 0, config.toString());
    assertEquals("x", config.at("/input/0/name").asText());
    assertEquals("TYPE_FP32", config.at("/input/0/data_type").asText());
    assertEquals("[784]", config.at("/input/0/dims").toString(), "the batch dimension is left out");
    assertEquals("reconstruction", config.at("/output/0/name").asText());
    assertEquals(200, SERVER.client.get("/v2/models/dense/versions/1/config").status());
    assertEquals("code", SERVER.client.get("/v2/models/dense/config?signature_name=encode").json()
        .at("/output/0/name").asText());
    assertEquals(404, SERVER.client.get("/v2/models/nope/config").status());
    assertEquals(404, SERVER.client.get("/v2/models/dense/versions/7/config").status());
  }

  @Test
  void tritonStatisticsCountWhatTheServerDid() {
    JsonNode before = SERVER.client.get("/v2/models/multi_io/stats").json();
    assertEquals(1, before.get("model_stats").size(), before.toString());
    long successBefore = before.at("/model_stats/0/inference_stats/success/count").asLong();
    long failBefore = before.at("/model_stats/0/inference_stats/fail/count").asLong();

    assertEquals(200, SERVER.client.post("/v1/models/multi_io:predict",
        "{\"signature_name\": \"signal_only\", \"instances\": [[1, 2, 3, 4, 5]]}").status());
    assertEquals(400, SERVER.client.post("/v1/models/multi_io:predict",
        "{\"signature_name\": \"signal_only\", \"instances\": [[1, 2, 3]]}").status());

    JsonNode after = SERVER.client.get("/v2/models/multi_io/versions/1/stats").json();
    JsonNode stats = after.at("/model_stats/0");
    assertEquals("multi_io", stats.get("name").asText());
    assertEquals("1", stats.get("version").asText());
    assertEquals(successBefore + 1, stats.at("/inference_stats/success/count").asLong(), after.toString());
    assertEquals(failBefore + 1, stats.at("/inference_stats/fail/count").asLong(), after.toString());
    assertTrue(stats.at("/inference_stats/success/ns").asLong() > 0);
    assertTrue(stats.get("execution_count").asLong() >= 1);
    assertTrue(stats.get("inference_count").asLong() >= 1);
    assertTrue(stats.get("last_inference").asLong() > 1_600_000_000_000L);
    assertTrue(stats.at("/inference_stats/compute_infer/count").asLong() >= 1);
    assertTrue(stats.get("batch_stats").size() >= 1);
    assertEquals(404, SERVER.client.get("/v2/models/nope/stats").status());
  }

  @Test
  void unknownQueryParametersAndUnsupportedV2ParametersAre400NamingWhatIsAccepted() {
    TestClient.Response r = SERVER.client.post("/v1/ae/dense/reconstruct?include=foo",
        "{\"instances\": [" + json(sample(784, 1)) + "]}");
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().contains("accepted: code"), r.error());
    r = SERVER.client.post("/v1/ae/dense/reconstruct?inclde=code", "{\"instances\": [" + json(sample(784, 1)) + "]}");
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().contains("'inclde'") && r.error().contains("accepts include"), r.error());
    r = SERVER.client.get("/v1/models/dense/metadata?verbose=1");
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().contains("accepts none"), r.error());
    r = SERVER.client.post("/v2/models/dense/infer", inferTwo(", \"parameters\": {\"class_count\": 3}"));
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().contains("'class_count'") && r.error().contains("binary_data_output, signature_name"),
        r.error());
    r = SERVER.client.post("/v2/models/dense/infer", "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 784], "
        + "\"datatype\": \"FP32\", \"data\": " + json(sample(784, 0)) + "}], \"outputs\": [{\"name\": "
        + "\"reconstruction\", \"parameters\": {\"classification\": 2}}]}");
    assertEquals(400, r.status(), r.text());
    assertTrue(r.error().contains("'classification'") && r.error().contains("binary_data"), r.error());
    assertEquals(200, SERVER.client.post("/v2/models/dense/infer",
        inferTwo(", \"parameters\": {\"binary_data_output\": false}")).status());
    assertEquals(200, SERVER.client.post("/v1/ae/dense/reconstruct?include=code",
        "{\"instances\": [" + json(sample(784, 1)) + "]}").status());
  }
}
