package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.repository.VersionStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retired versions give their memory back: 60 swaps, each served once and its predecessor's folder deleted, and
 * the resident set after the first 20 (the warm-up) grows by less than 2 MB per swap (a leaked session and graph would cost more; measured 0.1–0.6). Separates a leak in
 * retiring models from the heap and allocator growth that concurrency alone causes in {@link LoadWithSwapsTest}.
 * {@code -Daebridge.swaps=N} runs longer.
 */
@Tag("slow")
class SwapMemoryTest {
  @TempDir
  Path dir;

  @Test
  void retiredVersionsDoNotLeak() throws Exception {
    int swaps = Integer.getInteger("aebridge.swaps", 60);
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.copyDense(root, "m", 1);
    ServerConfig cfg = ServerConfig.builder(root).port(0).pollInterval(Duration.ofMillis(100))
        .settleTime(Duration.ofMillis(50)).build();
    String body = "{\"instances\": [[" + "0.5,".repeat(783) + "0.5]]}";
    long warm = 0;
    try (ModelServer server = ModelServer.start(cfg)) {
      TestClient c = new TestClient(server.baseUrl());
      for (long v = 2; v <= swaps + 1; v++) {
        ServeFixtures.copyDenseAtomically(root, "m", v);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!(server.repository().status("m").get(0).version() == v
            && server.repository().status("m").get(0).state() == VersionStatus.State.AVAILABLE)) {
          assertTrue(System.nanoTime() < deadline, "version " + v + " never served");
          Thread.sleep(20);
        }
        assertEquals(200, c.post("/v1/models/m:predict", body).status());
        ServeFixtures.deleteQuietly(root.resolve("m").resolve(Long.toString(v - 1)));
        if (v == 21) {
          warm = settledRssKb();
        }
      }
      long end = settledRssKb();
      double perSwap = (end - warm) / 1024.0 / (swaps - 20);
      System.out.printf(java.util.Locale.ROOT, "SwapMemoryTest: %d swaps, RSS %.1f MB after 20 -> %.1f MB after %d "
          + "(%.2f MB per swap)%n", swaps, warm / 1024.0, end / 1024.0, swaps, perSwap);
      assertTrue(perSwap < 2.0, perSwap + " MB per swap");
    }
  }

  private static long settledRssKb() throws InterruptedException {
    System.gc();
    Thread.sleep(200);
    return LoadWithSwapsTest.rssKb();
  }
}
