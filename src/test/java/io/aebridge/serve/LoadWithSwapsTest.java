package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.http.AutoencoderApiTest;
import io.aebridge.serve.http.TensorJson;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sustained loopback load on mixed endpoints while a new version of the served autoencoder appears every second
 * (and the version before last is deleted): zero failed requests, zero 5xx. Bounded in time and connections; stops
 * by itself. The default run is 16 connections × 10 s; tests/reliability/load-60s.sh runs 64 × 60 s through
 * {@code -Daebridge.load.connections} and {@code -Daebridge.load.seconds}. Figures go to stdout and
 * {@code target/reliability/load.json}.
 */
@Tag("slow")
class LoadWithSwapsTest {
  @TempDir
  Path dir;

  private static final String VECTOR = "0.5,".repeat(783) + "0.5";

  @Test
  void mixedLoadWithAVersionSwapEverySecond() throws Exception {
    int connections = Integer.getInteger("aebridge.load.connections", 16);
    int seconds = Integer.getInteger("aebridge.load.seconds", 10);
    assertTrue(connections <= 256 && seconds <= 600, "bounded load only");
    Path root = ServeFixtures.standardModels(dir);
    ServeFixtures.copyDense(root, "m", 1);
    ServerConfig cfg = ServerConfig.builder(root).port(0).pollInterval(Duration.ofMillis(200))
        .settleTime(Duration.ofMillis(100)).build();
    byte[] png = AutoencoderApiTest.digitPng(40, 30, true);
    List<Call> calls = List.of(
        new Call("TFS predict m", "/v1/models/m:predict", "{\"instances\": [[" + VECTOR + "]]}"),
        new Call("OIP infer m", "/v2/models/m/infer", "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 784], "
            + "\"datatype\": \"FP32\", \"data\": [" + VECTOR + "]}]}"),
        new Call("AE reconstruct m", "/v1/ae/m/reconstruct", "{\"instances\": [[" + VECTOR + "]]}"),
        new Call("AE image m", "/v1/ae/m/image", png),
        new Call("TFS predict half_plus_three", "/v1/models/half_plus_three:predict", "{\"instances\": [1, 2]}"),
        new Call("TFS metadata m", "/v1/models/m/metadata", (byte[]) null),
        new Call("OIP ready m", "/v2/models/m/ready", (byte[]) null));
    long rssBefore;
    try (ModelServer server = ModelServer.start(cfg)) {
      TestClient client = new TestClient(server.baseUrl());
      assertEquals(200, client.get("/v2/models/m/ready").status());
      for (Call c : calls) {   // warm up every path once
        TestClient.Response r = c.send(client);
        assertEquals(200, r.status(), c.name() + ": " + r.text());
      }
      System.gc();
      rssBefore = rssKb();
      Map<String, Integer> failures = new ConcurrentHashMap<>();
      AtomicLong fiveHundreds = new AtomicLong();
      long[][] latencies = new long[connections][];
      AtomicInteger total = new AtomicInteger();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      ExecutorService pool = Executors.newFixedThreadPool(connections);
      List<Future<?>> loops = new ArrayList<>();
      for (int t = 0; t < connections; t++) {
        int id = t;
        loops.add(pool.submit(() -> {
          long[] mine = new long[1 << 16];
          int n = 0;
          TestClient own = new TestClient(server.baseUrl());   // one connection per worker
          for (int i = id; System.nanoTime() < end; i++) {
            Call c = calls.get(i % calls.size());
            long start = System.nanoTime();
            try {
              TestClient.Response r = c.send(own);
              if (r.status() >= 500) {
                fiveHundreds.incrementAndGet();
              }
              if (r.status() != 200) {
                failures.merge(c.name() + " " + r.status() + " " + TensorJson.abbreviate(r.text()), 1,
                    Integer::sum);
              }
            } catch (RuntimeException e) {
              failures.merge(c.name() + " " + e, 1, Integer::sum);
            }
            if (n == mine.length) {
              mine = Arrays.copyOf(mine, n * 2);
            }
            mine[n++] = System.nanoTime() - start;
            total.incrementAndGet();
          }
          latencies[id] = Arrays.copyOf(mine, n);
          return null;
        }));
      }
      long version = 1;
      int swaps = 0;
      // A fixed rate, not sleep-then-copy: a copy slowed down by a busy machine must not thin out the swaps.
      long nextSwap = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (nextSwap < end) {
        TimeUnit.NANOSECONDS.sleep(Math.max(0, nextSwap - System.nanoTime()));
        nextSwap += TimeUnit.SECONDS.toNanos(1);
        version++;
        ServeFixtures.copyDenseAtomically(root, "m", version);
        swaps++;
        if (version > 3) {   // the version before last: retired by now, its folder goes
          ServeFixtures.deleteQuietly(root.resolve("m").resolve(Long.toString(version - 3)));
        }
      }
      for (Future<?> f : loops) {
        f.get(seconds + 60L, TimeUnit.SECONDS);
      }
      pool.shutdown();
      long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).sorted().toArray();
      System.gc();
      long rssAfter = rssKb();
      String figures = String.format(java.util.Locale.ROOT, "{\"connections\": %d, \"seconds\": %d, "
          + "\"requests\": %d, \"failed\": %d, \"status5xx\": %d, \"swaps\": %d, \"p50_ms\": %.2f, "
          + "\"p99_ms\": %.2f, \"max_ms\": %.2f, \"rss_before_mb\": %.1f, \"rss_after_mb\": %.1f}",
          connections, seconds, all.length, failures.values().stream().mapToInt(Integer::intValue).sum(),
          fiveHundreds.get(), swaps, pct(all, 0.50), pct(all, 0.99), all[all.length - 1] / 1e6,
          rssBefore / 1024.0, rssAfter / 1024.0);
      System.out.println("LoadWithSwapsTest: " + figures);
      Path out = Path.of(System.getProperty("aebridge.projectDir", "."), "target", "reliability");
      Files.createDirectories(out);
      Files.writeString(out.resolve("load.json"), figures + "\n");
      assertEquals(Map.of(), new TreeMap<>(failures), "failed requests during " + swaps + " swaps");
      assertEquals(0, fiveHundreds.get());
      assertTrue(swaps >= seconds - 2, "swaps: " + swaps);
      assertTrue(all.length > connections, "requests: " + all.length);
      String served = server.repository().status("m").get(0).toString();
      assertTrue(served.contains(Long.toString(version)), "the last version is served: " + served);
    }
  }

  private record Call(String name, String path, byte[] body) {
    Call(String name, String path, String body) {
      this(name, path, body.getBytes(StandardCharsets.UTF_8));
    }

    TestClient.Response send(TestClient client) {
      if (body == null) {
        return client.get(path);
      }
      HttpRequest.Builder b = client.builder(path);
      if (path.endsWith("/image")) {
        b.header("Content-Type", "image/png");
      }
      return client.send(b.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }
  }

  private static double pct(long[] sorted, double p) {
    return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] / 1e6;
  }

  /** This JVM's resident set (the server runs in it), from /proc; 0 where there is none. */
  static long rssKb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException | RuntimeException e) {
      return 0;
    }
    return 0;
  }
}
