package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The server's own surface: the OpenAPI description covers every route, metrics, the web page, CORS. */
class ServerSurfaceTest {
  @RegisterExtension
  static final StandardServer SERVER = new StandardServer(b -> b.corsOrigins(List.of("http://localhost:3000")));

  @Test
  void everyRegisteredRouteIsDocumented() {
    TestClient.Response r = SERVER.client.get("/openapi.json");
    assertEquals(200, r.status());
    JsonNode doc = r.json();
    assertEquals("3.0.3", doc.get("openapi").asText());
    JsonNode paths = doc.get("paths");
    List<String> undocumented = new ArrayList<>();
    List<String> handlers = SERVER.server.registeredHandlers();
    assertTrue(handlers.size() > 30, handlers.toString());
    for (String handler : handlers) {
      String method = handler.substring(0, handler.indexOf(' ')).toLowerCase(Locale.ROOT);
      String path = handler.substring(handler.indexOf(' ') + 1);
      JsonNode op = paths.path(path).path(method);
      if (op.isMissingNode() || op.path("summary").asText().isEmpty()) {
        undocumented.add(handler);
      }
    }
    assertEquals(List.of(), undocumented, "routes missing from /openapi.json");
    int documented = 0;
    for (Iterator<Map.Entry<String, JsonNode>> it = paths.fields(); it.hasNext(); ) {
      documented += it.next().getValue().size();
    }
    assertEquals(handlers.size(), documented, "every documented operation is a real route");
    List<String> broken = new ArrayList<>();
    collectRefs(doc, doc, broken);
    assertEquals(List.of(), broken, "unresolved $refs");
  }

  private static void collectRefs(JsonNode root, JsonNode node, List<String> broken) {
    if (node.isObject()) {
      JsonNode ref = node.get("$ref");
      if (ref != null && root.at(ref.asText().substring(1)).isMissingNode()) {
        broken.add(ref.asText());
      }
      node.forEach(child -> collectRefs(root, child, broken));
    } else if (node.isArray()) {
      node.forEach(child -> collectRefs(root, child, broken));
    }
  }

  @Test
  void metricsInPrometheusText() {
    SERVER.client.post("/v1/models/half_plus_three:predict", "{\"instances\": [1]}");
    SERVER.client.post("/v1/models/half_plus_three:predict", "{\"instances\": [\"x\"]}");
    SERVER.client.get("/v1/models/no-such-model-" + System.nanoTime());
    TestClient.Response r = SERVER.client.get("/metrics");
    assertEquals(200, r.status());
    assertTrue(r.header("Content-Type").startsWith("text/plain"), r.header("Content-Type"));
    String m = r.text();
    for (String expected : List.of(
        "aebridge_requests_seconds_count{endpoint=\"POST /v1/models/{m}:predict\",model=\"half_plus_three\","
            + "protocol=\"http\",status=\"200\"}",
        "aebridge_requests_seconds_count{endpoint=\"POST /v1/models/{m}:predict\",model=\"half_plus_three\","
            + "protocol=\"http\",status=\"400\"}",
        "aebridge_requests_seconds_bucket{endpoint=\"POST /v1/models/{m}:predict\",model=\"half_plus_three\","
            + "protocol=\"http\",status=\"200\",le=\"0.005\"}",
        "aebridge_models_loaded 4.0", "aebridge_models_failed 0.0", "aebridge_model_load_failures_total 0.0",
        "jvm_memory_used_bytes", "aebridge_process_resident_memory_bytes", "jvm_gc_")) {
      assertTrue(m.contains(expected), "missing " + expected);
    }
    assertTrue(!m.contains("no-such-model"), "unknown model names never become labels");
  }

  @Test
  void webPageAndAssets() {
    TestClient.Response page = SERVER.client.get("/");
    assertEquals(200, page.status());
    assertTrue(page.header("Content-Type").startsWith("text/html"), page.header("Content-Type"));
    assertTrue(page.text().contains("<canvas"), "a drawing canvas");
    assertEquals(200, SERVER.client.get("/ui/app.js").status());
    assertEquals(200, SERVER.client.get("/ui/style.css").status());
    // Jetty 12 refuses the ambiguous encoded separator itself (400); Jetty 11 let it reach the route (404).
    assertEquals(400, SERVER.client.get("/ui/..%2Fallowed-ops.txt").status());
    assertEquals(404, SERVER.client.get("/ui/nope.js").status());
  }

  @Test
  void corsOnlyForConfiguredOrigins() {
    TestClient.Response allowed = SERVER.client.get("/v1/models/dense", "Origin", "http://localhost:3000");
    assertEquals("http://localhost:3000", allowed.header("Access-Control-Allow-Origin"));
    TestClient.Response other = SERVER.client.get("/v1/models/dense", "Origin", "http://evil.example");
    assertEquals(null, other.header("Access-Control-Allow-Origin"));
  }
}
