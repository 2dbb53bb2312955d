package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.OpList;

/** Loading, failing, policies, settling, the op allow-list and hot swaps under load. */
class ModelRepositoryTest {
  @TempDir
  Path dir;

  private static ServerConfig.Builder config(Path root) {
    return ServerConfig.builder(root).port(0).pollInterval(Duration.ofHours(1)).settleTime(Duration.ZERO);
  }

  private static ModelRepository repository(ServerConfig config) {
    ModelRepository r = new ModelRepository(config, OpPolicy.of(config.ops()));
    r.start();
    return r;
  }

  private static VersionStatus only(ModelRepository r, String model) {
    List<VersionStatus> s = r.status(model);
    assertEquals(1, s.size(), s.toString());
    return s.get(0);
  }

  @Test
  void brokenModelsBesideGoodOnesAreReportedNotServed() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.copyDense(root, "dense", 1);
    ServeFixtures.corrupt(root.resolve("corrupt").resolve("1"));
    ServeFixtures.readsFile(root.resolve("reads_file").resolve("1"));
    ServeFixtures.savesCheckpoint(root.resolve("saves").resolve("1"));
    Path noVariables = root.resolve("no_variables").resolve("1");
    ServeFixtures.copyTree(root.resolve("dense").resolve("1"), noVariables);
    ServeFixtures.deleteQuietly(noVariables.resolve("variables"));
    Files.createDirectories(root.resolve(".hidden").resolve("1"));
    Files.createDirectories(root.resolve("empty_model"));
    try (ModelServer server = ModelServer.start(config(root).build())) {
      TestClient client = new TestClient(server.baseUrl());
      assertEquals(List.of("dense"), server.repository().servedModels());
      VersionStatus corrupt = only(server.repository(), "corrupt");
      assertEquals(VersionStatus.State.END, corrupt.state());
      assertTrue(corrupt.errorMessage().contains("not a SavedModel"), corrupt.toString());
      VersionStatus reads = only(server.repository(), "reads_file");
      assertEquals("FAILED_PRECONDITION", reads.errorCode());
      assertTrue(reads.errorMessage().contains("ReadFile") && reads.errorMessage().contains("reads files"),
          reads.errorMessage());
      VersionStatus saves = only(server.repository(), "saves");
      assertTrue(saves.errorMessage().contains("SaveV2") && saves.errorMessage().contains("reachable"),
          saves.errorMessage());
      VersionStatus missing = only(server.repository(), "no_variables");
      assertEquals(VersionStatus.State.END, missing.state());
      assertTrue(!missing.errorMessage().contains(root.toAbsolutePath().toString()), "no absolute server paths: "
          + missing.errorMessage());

      TestClient.Response status = client.get("/v1/models/reads_file");
      assertEquals(200, status.status());
      JsonNode v = status.json().at("/model_version_status/0");
      assertEquals("END", v.get("state").asText());
      assertEquals("FAILED_PRECONDITION", v.at("/status/error_code").asText());
      TestClient.Response predict = client.post("/v1/models/corrupt:predict", "{\"instances\": [1]}");
      assertEquals(404, predict.status());
      assertTrue(predict.error().contains("END"), predict.error());
      assertEquals(200, client.post("/v1/models/dense:predict", "{\"instances\": [[" + "0,".repeat(783) + "0]]}")
          .status());
      assertEquals(404, client.get("/v1/models/.hidden").status());
      assertEquals(200, client.get("/v2/health/ready").status(), "failed loads do not block readiness");
      assertTrue(client.get("/metrics").text().contains("aebridge_models_failed"));
    }
  }

  @Test
  void aFailedNewVersionLeavesTheOldOneServingAndIsRetriedWhenItChanges() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.copyDense(root, "m", 1);
    try (ModelRepository r = repository(config(root).build())) {
      ServeFixtures.corrupt(root.resolve("m").resolve("2"));
      r.refresh();
      List<VersionStatus> s = r.status("m");
      assertEquals(2, s.size(), s.toString());
      assertEquals(VersionStatus.State.END, s.get(0).state());
      assertEquals(VersionStatus.State.AVAILABLE, s.get(1).state());
      try (ModelHandle h = r.acquire("m", new ModelRepository.Latest())) {
        assertEquals(1, h.version());
      }
      long failures = r.loadFailures();
      r.refresh();
      assertEquals(failures, r.loadFailures(), "an unchanged failed version is not retried");
      ServeFixtures.deleteQuietly(root.resolve("m").resolve("2"));
      ServeFixtures.copyDense(root, "m", 2);
      r.refresh();
      try (ModelHandle h = r.acquire("m", new ModelRepository.Latest())) {
        assertEquals(2, h.version(), "repaired version is loaded");
      }
      assertEquals(VersionStatus.State.END, r.status("m").get(1).state(), "version 1 retired");
    }
  }

  @Test
  void versionPoliciesAndLabels() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    for (long v = 1; v <= 3; v++) {
      ServeFixtures.copyDense(root, "m", v);
    }
    ServerConfig all = config(root).versionPolicy(VersionPolicy.all())
        .model("m", new ServerConfig.ModelSettings(null, Map.of("stable", 2L), null)).build();
    try (ModelRepository r = repository(all)) {
      assertEquals(3, r.availableVersions());
      try (ModelHandle h = r.acquire("m", new ModelRepository.Label("stable"))) {
        assertEquals(2, h.version());
      }
      try (ModelHandle h = r.acquire("m", new ModelRepository.Specific(1))) {
        assertEquals(1, h.version());
      }
      assertThrows(ApiException.class, () -> r.acquire("m", new ModelRepository.Label("nope")));
    }
    try (ModelRepository r = repository(config(root).versionPolicy(VersionPolicy.parse("specific:1,3")).build())) {
      assertEquals(Set.of(1L, 3L), available(r, "m"));
    }
    try (ModelRepository r = repository(config(root).versionPolicy(VersionPolicy.latest(2)).build())) {
      assertEquals(Set.of(2L, 3L), available(r, "m"));
      ServeFixtures.deleteQuietly(root.resolve("m").resolve("3"));
      r.refresh();
      assertEquals(Set.of(1L, 2L), available(r, "m"), "a removed version is unloaded, an older one takes over");
      ServeFixtures.deleteQuietly(root.resolve("m"));
      r.refresh();
      assertEquals(List.of(), r.servedModels());
      assertThrows(ApiException.class, () -> r.acquire("m", new ModelRepository.Latest()));
    }
  }

  private static Set<Long> available(ModelRepository r, String model) {
    Set<Long> out = new TreeSet<>();
    for (VersionStatus s : r.status(model)) {
      if (s.state() == VersionStatus.State.AVAILABLE) {
        out.add(s.version());
      }
    }
    return out;
  }

  @Test
  void aVersionStillBeingCopiedWaitsForASecondLook() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.copyDense(root, "m", 1);
    ServerConfig slow = config(root).settleTime(Duration.ofHours(1)).build();
    try (ModelRepository r = new ModelRepository(slow, OpPolicy.of(slow.ops()))) {
      r.refresh();
      assertEquals(Set.of(), available(r, "m"), "files written just now are not trusted at the first look");
      assertTrue(!r.ready());
      r.refresh();
      assertEquals(Set.of(1L), available(r, "m"), "unchanged at the second look: loaded");
      Path v2 = root.resolve("m").resolve("2");
      Files.createDirectories(v2);
      Files.write(v2.resolve("saved_model.pb"), new byte[] {1, 2});
      r.refresh();
      Files.write(v2.resolve("saved_model.pb"), new byte[] {1, 2, 3, 4}, java.nio.file.StandardOpenOption.APPEND);
      r.refresh();
      assertEquals(Set.of(1L), available(r, "m"));
      assertEquals(1, r.status("m").size(), "a growing file is never loaded: " + r.status("m"));
    }
  }

  @Test
  void aNewVersionSettlingOrLoadingLeavesAReadyServerReady() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.copyDense(root, "m", 1);
    ServerConfig slow = config(root).settleTime(Duration.ofHours(1)).build();
    try (ModelRepository r = new ModelRepository(slow, OpPolicy.of(slow.ops()))) {
      r.refresh();
      r.refresh();
      assertTrue(!r.ready(), "not started: the first scan is not done");
      r.start();
      assertTrue(r.ready(), "version 1 loaded");
      ServeFixtures.copyTree(root.resolve("m").resolve("1"), root.resolve("m").resolve("2"));
      r.refresh();
      assertEquals(Set.of(1L), available(r, "m"), "version 2 waits for its second look");
      assertTrue(r.ready(), "a version settling in the background does not make a serving replica unready");
      r.close();
      assertTrue(!r.ready(), "closed");
    }
  }

  @Test
  void defaultAllowListNamesOnlyRealOps() throws Exception {
    OpList ops = OpList.parseFrom(TensorFlow.registeredOpList().toByteArray());
    Set<String> registered = new TreeSet<>();
    for (OpDef op : ops.getOpList()) {
      registered.add(op.getName());
    }
    Set<String> unknown = new TreeSet<>(OpPolicy.defaultAllowList());
    unknown.removeAll(registered);
    assertEquals(Set.of(), unknown, "typos in allowed-ops.txt");
    for (String dangerous : List.of("ReadFile", "WriteFile", "PyFunc", "EagerPyFunc", "MatchingFiles",
        "ImmutableConst", "PrintV2")) {
      assertTrue(!OpPolicy.defaultAllowList().contains(dangerous), dangerous);
    }
    OpPolicy extended = OpPolicy.of(new ServerConfig.Ops(true, List.of("ReadFile"), List.of("MatMul")));
    assertTrue(extended.allows("ReadFile"));
    assertTrue(!extended.allows("MatMul"));
    Path reads = dir.resolve("reads");
    ServeFixtures.readsFile(reads);
    extended.check(reads);
    OpPolicy.RefusedException e = assertThrows(OpPolicy.RefusedException.class,
        () -> OpPolicy.of(ServerConfig.Ops.defaults()).check(reads));
    assertEquals("ReadFile", e.op());
    OpPolicy.of(new ServerConfig.Ops(false, List.of(), List.of())).check(reads);
  }

  @Test
  void hotSwapUnderLoadFailsNoRequest() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.copyDense(root, "m", 1);
    ServerConfig cfg = config(root).pollInterval(Duration.ofMillis(100)).settleTime(Duration.ofMillis(50))
        .batching(ServerConfig.Batching.defaults().with(16, 500, 256)).build();
    String body = "{\"inputs\": [{\"name\": \"x\", \"shape\": [1, 784], \"datatype\": \"FP32\", \"data\": ["
        + "0.5,".repeat(783) + "0.5]}]}";
    try (ModelServer server = ModelServer.start(cfg)) {
      TestClient client = new TestClient(server.baseUrl());
      assertEquals(200, client.get("/v2/models/m/ready").status(), "start() returns with the model loaded");
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger ok = new AtomicInteger();
      Map<String, Integer> failures = new ConcurrentHashMap<>();
      Set<String> versionsSeen = ConcurrentHashMap.newKeySet();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
      List<Future<?>> loops = new java.util.ArrayList<>();
      for (int t = 0; t < 4; t++) {
        loops.add(pool.submit(() -> {
          while (!stop.get() && ok.get() < 20_000 && System.nanoTime() < deadline) {
            TestClient.Response r = client.post("/v2/models/m/infer", body);
            if (r.status() == 200) {
              ok.incrementAndGet();
              versionsSeen.add(r.json().get("model_version").asText());
            } else {
              failures.merge(r.status() + " " + r.text(), 1, Integer::sum);
            }
          }
        }));
      }
      for (long v = 2; v <= 4; v++) {
        Thread.sleep(300);
        ServeFixtures.copyDenseAtomically(root, "m", v);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < until && !versionsSeen.contains(Long.toString(v))) {
          Thread.sleep(20);
        }
      }
      Thread.sleep(300);
      stop.set(true);
      for (Future<?> f : loops) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertEquals(Map.of(), failures, "failed requests during swaps");
      assertTrue(versionsSeen.containsAll(List.of("1", "2", "3", "4")), "versions served: " + versionsSeen);
      assertTrue(ok.get() > 50, "requests: " + ok.get());
      List<VersionStatus> status = server.repository().status("m");
      assertEquals(VersionStatus.State.AVAILABLE, status.get(0).state());
      assertTrue(status.subList(1, status.size()).stream().allMatch(s -> s.state() == VersionStatus.State.END),
          "old versions closed after their requests: " + status);
    }
  }
}
