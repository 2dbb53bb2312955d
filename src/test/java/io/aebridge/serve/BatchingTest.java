package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.load.HostTensor;
import io.aebridge.serve.repository.VersionStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dynamic batching: merged runs give the same answers, a full queue is 503, a missed deadline 504. */
class BatchingTest {
  @TempDir
  Path dir;

  private Path models() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.halfPlusThree(root.resolve("h").resolve("1"));
    ServeFixtures.multiIo(root.resolve("multi").resolve("1"));
    return root;
  }

  private static ServerConfig.Builder config(Path root) {
    return ServerConfig.builder(root).port(0).pollInterval(Duration.ZERO);
  }

  @Test
  void concurrentRequestsAreMergedAndAnsweredCorrectly() throws Exception {
    ServerConfig cfg = config(models()).batching(ServerConfig.Batching.defaults().with(64, 50_000, 256)).build();
    try (ModelServer server = ModelServer.start(cfg)) {
      TestClient client = new TestClient(server.baseUrl());
      ExecutorService pool = Executors.newFixedThreadPool(12);
      List<CompletableFuture<TestClient.Response>> futures = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        int k = i;
        futures.add(CompletableFuture.supplyAsync(() -> client.post("/v1/models/h:predict",
            "{\"instances\": [" + k + ", " + (k + 100) + "]}"), pool));
      }
      for (int i = 0; i < 12; i++) {
        TestClient.Response r = futures.get(i).get(30, TimeUnit.SECONDS);
        assertEquals(200, r.status(), r.text());
        assertEquals("{\"predictions\":[" + (0.5 * i + 3) + "," + (0.5 * (i + 100) + 3) + "]}", r.text());
      }
      // A signature whose output has no batch dimension per row is run request by request instead.
      List<CompletableFuture<TestClient.Response>> multi = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        multi.add(CompletableFuture.supplyAsync(() -> client.post("/v1/models/multi:predict",
            "{\"inputs\": {\"keras_tensor_3\": [[1,1,1,1,1]], \"sensor\": [[[1,1],[1,1]]]}}"), pool));
      }
      for (CompletableFuture<TestClient.Response> f : multi) {
        assertEquals("[9.0]", f.get(30, TimeUnit.SECONDS).json().at("/outputs/output_0").toString());
      }
      pool.shutdown();
      String metrics = client.get("/metrics").text();
      Matcher count = Pattern.compile("aebridge_batch_size_count\\{model=\"h\"} (\\d+)").matcher(metrics);
      Matcher sum = Pattern.compile("aebridge_batch_size_sum\\{model=\"h\"} ([0-9.]+)").matcher(metrics);
      assertTrue(count.find() && sum.find(), metrics);
      double runs = Double.parseDouble(count.group(1));
      double rows = Double.parseDouble(sum.group(1));
      assertEquals(24.0, rows, 0.0);
      assertTrue(runs < 12, "12 requests were merged into fewer runs: " + runs);
    }
  }

  @Test
  void fullQueueIs503AndMissedDeadlineIs504() throws Exception {
    ServerConfig cfg = config(models()).batching(ServerConfig.Batching.defaults().with(64, 2_000_000, 1))
        .requestTimeout(Duration.ofSeconds(5)).build();
    try (ModelServer server = ModelServer.start(cfg)) {
      TestClient client = new TestClient(server.baseUrl());
      CompletableFuture<TestClient.Response> first = CompletableFuture.supplyAsync(() ->
          client.post("/v1/models/h:predict", "{\"instances\": [1]}"));
      Thread.sleep(300);
      TestClient.Response second = client.post("/v1/models/h:predict", "{\"instances\": [2]}");
      assertEquals(503, second.status(), second.text());
      assertTrue(second.error().contains("maxQueuedRequests"), second.error());
      assertEquals(200, first.get(30, TimeUnit.SECONDS).status());
    }
    ServerConfig late = config(models()).batching(ServerConfig.Batching.defaults().with(64, 1_000_000, 8))
        .requestTimeout(Duration.ofMillis(100)).build();
    try (ModelServer server = ModelServer.start(late)) {
      TestClient client = new TestClient(server.baseUrl());
      TestClient.Response r = client.post("/v1/models/h:predict", "{\"instances\": [1]}");
      assertEquals(504, r.status(), r.text());
      assertTrue(r.error().contains("Deadline"), r.error());
      Thread.sleep(1200);
      assertTrue(client.get("/v2/health/live").status() == 200);
    }
  }

  @Test
  void byDefaultALoneRequestDoesNotWaitForCompany() throws Exception {
    assertEquals(0, ServerConfig.Batching.defaults().maxDelayMicros());
    // Batching stays on with delay 0: requests still go through the queue, which must start each run by itself.
    ServerConfig cfg = config(models()).requestTimeout(Duration.ofSeconds(1)).build();
    try (ModelServer server = ModelServer.start(cfg)) {
      TestClient client = new TestClient(server.baseUrl());
      for (int i = 0; i < 5; i++) {
        TestClient.Response r = client.post("/v1/models/h:predict", "{\"instances\": [" + i + "]}");
        assertEquals(200, r.status(), r.text());
        assertEquals("{\"predictions\":[" + (0.5 * i + 3) + "]}", r.text());
      }
    }
  }

  @Test
  void withNoDelayConcurrentRequestsStillMergeWhileALoneOneRunsOnItsCaller() throws Exception {
    // Delay 0: an idle queue lets the blocking caller run its own request; those arriving meanwhile must still
    // queue and be merged by the batch executor, each answered with its own rows.
    ServerConfig cfg = config(models()).build();
    try (ModelServer server = ModelServer.start(cfg)) {
      TestClient client = new TestClient(server.baseUrl());
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<CompletableFuture<Void>> loops = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int k = t;
        loops.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < 25; i++) {
            int x = 100 * k + i;
            TestClient.Response r = client.post("/v1/models/h:predict", "{\"instances\": [" + x + "]}");
            assertEquals(200, r.status(), r.text());
            assertEquals("{\"predictions\":[" + (0.5 * x + 3) + "]}", r.text());
          }
        }, pool));
      }
      CompletableFuture.allOf(loops.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
      pool.shutdown();
      String metrics = client.get("/metrics").text();
      Matcher count = Pattern.compile("aebridge_batch_size_count\\{model=\"h\"} (\\d+)").matcher(metrics);
      Matcher sum = Pattern.compile("aebridge_batch_size_sum\\{model=\"h\"} ([0-9.]+)").matcher(metrics);
      assertTrue(count.find() && sum.find(), metrics);
      assertEquals(400.0, Double.parseDouble(sum.group(1)), 0.0);
      assertTrue(Double.parseDouble(count.group(1)) < 400, "concurrent requests were merged: " + count.group(1)
          + " runs for 400 requests");
    }
  }

  @Test
  void batchingCanBeSwitchedOff() throws Exception {
    ServerConfig cfg = config(models()).batching(ServerConfig.Batching.off()).build();
    try (ModelServer server = ModelServer.start(cfg)) {
      TestClient client = new TestClient(server.baseUrl());
      assertEquals("{\"predictions\":[3.5]}", client.post("/v1/models/h:predict", "{\"instances\": [1]}").text());
      assertTrue(!client.get("/metrics").text().contains("aebridge_batch_size_count{model=\"h\"}"));
    }
  }

  @Test
  void gracefulStopFinishesInFlightRequests() throws Exception {
    ServerConfig cfg = config(models()).batching(ServerConfig.Batching.defaults().with(64, 700_000, 8)).build();
    ModelServer server = ModelServer.start(cfg);
    TestClient client = new TestClient(server.baseUrl());
    CompletableFuture<TestClient.Response> inFlight = CompletableFuture.supplyAsync(() ->
        client.post("/v1/models/h:predict", "{\"instances\": [4]}"));
    Thread.sleep(200);
    server.close();
    TestClient.Response r = inFlight.get(30, TimeUnit.SECONDS);
    assertEquals(200, r.status(), r.text());
    assertEquals("{\"predictions\":[5.0]}", r.text());
    assertTrue(!server.repository().ready());
    assertEquals(VersionStatus.State.END, server.repository().status("h").get(0).state(), "models closed");
  }
}
