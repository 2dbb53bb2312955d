package io.aebridge.serve.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aebridge.serve.ModelServer;
import io.aebridge.serve.ServeFixtures;
import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.TestClient;
import io.aebridge.serve.core.ServingException;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.OpList;

/** Loading, failing, policies, settling, the op allow-list and hot swaps under load. */
class ModelRepositoryTest {
  private static final int KEPT = ModelRepository.KEPT_FINISHED_VERSIONS;
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

  /** TF Serving's test models use zero-padded version folders; 0 and 19-digit versions are valid too. */
  @Test
  void versionFoldersAreOpenedByTheirOwnNamesAndBadModelNamesAreListed() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.halfPlusThree(root.resolve("padded").resolve("00000123"));
    ServeFixtures.halfPlusThree(root.resolve("zero").resolve("0"));
    ServeFixtures.halfPlusThree(root.resolve("huge").resolve("9223372036854775807"));
    ServeFixtures.halfPlusThree(root.resolve("huge").resolve("9223372036854775808"));   // past 64 bits: no version
    Map<String, String> bad = new java.util.TreeMap<>(Map.of("hp:x", "':'", "hp 3", "a space"));
    try {
      Files.createDirectories(root.resolve("hp\u00e9"));
      bad.put("hp\u00e9", "U+00E9");
    } catch (java.nio.file.InvalidPathException notInThisLocale) {
      // A JVM started with an ASCII file-name encoding cannot name the folder; the other two still count.
    }
    for (String name : bad.keySet()) {
      ServeFixtures.halfPlusThree(root.resolve(name).resolve("1"));
    }
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(new io.aebridge.serve.TeeStream(log, err), true,
        java.nio.charset.StandardCharsets.UTF_8));
    try (ModelServer server = ModelServer.start(config(root).build())) {
      TestClient client = new TestClient(server.baseUrl());
      Map<String, String> versions = Map.of("padded", "123", "zero", "0", "huge", "9223372036854775807");
      for (Map.Entry<String, String> m : versions.entrySet()) {
        TestClient.Response status = client.get("/v1/models/" + m.getKey());
        assertEquals(200, status.status(), status.text());
        assertEquals(m.getValue(), status.json().at("/model_version_status/0/version").asText(), status.text());
        assertEquals("AVAILABLE", status.json().at("/model_version_status/0/state").asText(), status.text());
        TestClient.Response predict = client.post("/v1/models/" + m.getKey() + "/versions/" + m.getValue()
            + ":predict", "{\"instances\": [1.0]}");
        assertEquals(200, predict.status(), predict.text());
        assertEquals("[3.5]", predict.json().path("predictions").toString());
      }
      assertEquals(1, server.repository().status("huge").size(), "2^63 is no version");
      assertEquals(200, client.post("/v1/models/padded/versions/00000123:predict", "{\"instances\": [1.0]}")
          .status(), "a request may spell the version as the folder does");
      server.repository().refresh();
      server.repository().refresh();
      JsonNode index = client.post("/v2/repository/index", "").json();
      for (Map.Entry<String, String> b : bad.entrySet()) {
        JsonNode row = null;
        for (JsonNode r : index) {
          row = r.path("name").asText().equals(b.getKey()) ? r : row;
        }
        assertTrue(row != null, b.getKey() + " missing from the index: " + index);
        assertEquals("UNAVAILABLE", row.path("state").asText(), row.toString());
        assertTrue(row.path("reason").asText().contains(b.getValue()), row.toString());
        assertEquals(404, client.get("/v1/models/" + java.net.URLEncoder.encode(b.getKey(),
            java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20")).status());
      }
    } finally {
      System.setErr(err);
    }
    String text = log.toString(java.nio.charset.StandardCharsets.UTF_8);
    for (String name : bad.keySet()) {
      String line = "Model folder " + root.resolve(name) + " is not served";
      assertEquals(1, text.split(java.util.regex.Pattern.quote(line), -1).length - 1,
          "logged once over three scans: " + line + "\n" + text);
    }
  }

  /** More broken versions than the status list keeps, above a good one: none is loaded again while unchanged. */
  @Test
  void failedVersionsStayFailedAcrossPollsBeyondTheStatusList() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.halfPlusThree(root.resolve("m").resolve("1"));
    java.util.Random random = new java.util.Random(3);
    int broken = KEPT + 3;
    for (int v = 2; v < 2 + broken; v++) {
      Path version = Files.createDirectories(root.resolve("m").resolve(Integer.toString(v)));
      byte[] bytes = new byte[100 + v];
      random.nextBytes(bytes);
      Files.write(version.resolve("saved_model.pb"), v % 2 == 0 ? bytes : new byte[0]);
    }
    ServerConfig polling = config(root).pollInterval(Duration.ofMillis(50)).build();
    try (ModelRepository r = repository(polling)) {
      assertEquals(broken, r.loadFailures(), "each broken version tried once at start");
      try (ModelHandle h = r.acquire("m", new ModelRepository.Latest())) {
        assertEquals(1, h.version(), "the good version is served");
      }
      assertTrue(r.status("m").size() <= 1 + KEPT, r.status("m").toString());
      Thread.sleep(800);   // about 16 polls
      assertEquals(broken, r.loadFailures(), "no failed version is loaded again while its files are unchanged");
      assertEquals(broken, r.failedVersions(), "all failed versions counted, not only those in the status list");
    }
    ServerConfig quiet = config(root).build();
    try (ModelRepository r = repository(quiet)) {
      Path pb = root.resolve("m").resolve("2").resolve("saved_model.pb");
      Files.write(pb, new byte[] {1, 2, 3});
      r.refresh();
      assertEquals(broken + 1, r.loadFailures(), "changed files earn one more try at once");
      Files.write(pb, new byte[] {1, 2, 3, 4});
      r.refresh();
      r.refresh();
      assertEquals(broken + 1, r.loadFailures(), "a second failed try waits for its back-off (one poll interval)");
    }
  }

  @Test
  void readinessIsPerModelAndCloseWaitsForTheLastRequest() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    ServeFixtures.halfPlusThree(root.resolve("a").resolve("1"));
    ServeFixtures.halfPlusThree(root.resolve("b").resolve("1"));
    ServeFixtures.corrupt(root.resolve("c").resolve("1"));
    ModelRepository r = repository(config(root).build());
    assertTrue(r.ready("a") && r.ready("b"), "loaded models are ready");
    assertTrue(r.ready("c"), "a failed version is done, not pending");
    assertTrue(!r.ready("nope"), "an unknown model is not ready");
    assertTrue(r.ready(), "all models ready");
    ModelHandle h = r.acquire("a", new ModelRepository.Latest());
    Thread closer = new Thread(() -> r.close(Duration.ofSeconds(30)));
    closer.start();
    closer.join(300);
    assertTrue(closer.isAlive(), "close waits while a request holds a version");
    assertTrue(!r.ready(), "not ready once closing");
    long released = System.nanoTime();
    h.close();
    closer.join(10_000);
    assertTrue(!closer.isAlive(), "close returns once the last request is done");
    assertTrue(System.nanoTime() - released < TimeUnit.SECONDS.toNanos(5), "close woke up when released");
    assertEquals(VersionStatus.State.END, r.status("a").get(0).state());
  }

  /** Management load hands its work to the loader thread and waits: the request thread loads nothing. */
  @Test
  void managementLoadRunsOnTheLoaderThreadAndWaitsForIt() throws Exception {
    Path root = Files.createDirectories(dir.resolve("models"));
    java.io.PrintStream err = System.err;
    java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
    System.setErr(new java.io.PrintStream(new io.aebridge.serve.TeeStream(log, err), true,
        java.nio.charset.StandardCharsets.UTF_8));
    try (ModelRepository r = repository(config(root).build())) {
      ServeFixtures.halfPlusThree(root.resolve("late").resolve("1"));
      List<VersionStatus> status = r.load("late");
      assertEquals(VersionStatus.State.AVAILABLE, status.get(0).state(), "load returns the outcome: " + status);
    } finally {
      System.setErr(err);
    }
    String serving = java.util.Arrays.stream(log.toString(java.nio.charset.StandardCharsets.UTF_8).split("\n"))
        .filter(l -> l.contains("Serving model late version 1")).findFirst().orElse("");
    assertTrue(serving.contains("[aebridge-model-loader]"), "loaded on the loader thread: " + serving);
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
      assertThrows(ServingException.class, () -> r.acquire("m", new ModelRepository.Label("nope")));
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
      assertThrows(ServingException.class, () -> r.acquire("m", new ModelRepository.Latest()));
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
  @Tag("slow")
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
