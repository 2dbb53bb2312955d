package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.repository.VersionPolicy;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading, validating and overriding the server configuration. */
class ServerConfigTest {
  @TempDir
  Path dir;

  @Test
  void theExampleFileLoads() throws Exception {
    Path example = Path.of(System.getProperty("aebridge.projectDir", "."), "server", "aebridge-server.json");
    ServerConfig c = ServerConfig.load(example);
    assertEquals("127.0.0.1", c.host());
    assertEquals(8080, c.port());
    assertEquals(Path.of("saved-models"), c.modelsRoot());
    assertEquals(Duration.ofSeconds(2), c.pollInterval());
    assertEquals(64L << 20, c.limits().maxBodyBytes());
    assertEquals(1L << 30, c.limits().maxUnpackedBytes());
    assertEquals(Map.of("stable", 1L), c.labelsOf("dense-784-32"));
    assertEquals(128, c.batchingOf("dense-784-32").maxBatchSize());
    assertEquals(256, c.batchingOf("dense-784-32").maxQueuedRequests(), "unset model fields take the server's");
    assertEquals(64, c.batchingOf("other").maxBatchSize());
    assertFalse(c.managementEnabled());
  }

  @Test
  void defaultsAreSafe() {
    ServerConfig c = ServerConfig.defaults(Path.of("m"));
    assertEquals("127.0.0.1", c.host());
    assertFalse(c.managementEnabled());
    assertTrue(c.corsOrigins().isEmpty());
    assertTrue(c.ops().enforce());
    assertEquals(VersionPolicy.latest(), c.versionPolicy());
    assertEquals(64L << 20, c.limits().maxBodyBytes());
  }

  @Test
  void yamlAndEnvironment() throws Exception {
    Path yaml = dir.resolve("server.yaml");
    Files.writeString(yaml, "port: 9000\nversionPolicy: latest:2\nbatching:\n  enabled: false\n"
        + "limits:\n  maxBodyBytes: 1MiB\n");
    ServerConfig c = ServerConfig.load(yaml);
    assertEquals(9000, c.port());
    assertEquals(VersionPolicy.latest(2), c.versionPolicy());
    assertFalse(c.batching().enabled());
    assertEquals(1 << 20, c.limits().maxBodyBytes());
    ServerConfig e = c.withEnvironment(Map.of("AEBRIDGE_PORT", "9100", "AEBRIDGE_HOST", "0.0.0.0",
        "AEBRIDGE_MODELS", "elsewhere", "AEBRIDGE_TOKEN", "a-secret-token-of-32-characters!", "AEBRIDGE_BATCHING",
        "on", "AEBRIDGE_POLL_INTERVAL", "500ms", "AEBRIDGE_VERSION_POLICY", "specific:3",
        "AEBRIDGE_CORS_ORIGINS", "http://a, http://b", "AEBRIDGE_MAX_BODY_BYTES", "2MiB", "UNRELATED", "x"));
    assertEquals(9100, e.port());
    assertEquals("0.0.0.0", e.host());
    assertEquals(Path.of("elsewhere"), e.modelsRoot());
    assertTrue(e.managementEnabled());
    assertTrue(e.batching().enabled());
    assertEquals(Duration.ofMillis(500), e.pollInterval());
    assertEquals(VersionPolicy.specific(3), e.versionPolicy());
    assertEquals(List.of("http://a", "http://b"), e.corsOrigins());
    assertEquals(2 << 20, e.limits().maxBodyBytes());
    assertFalse(e.toString().contains("a-secret-token"), "the token is never printed: " + e);
  }

  @Test
  void badValuesAreNamed() throws Exception {
    assertMessage("port must lie in [0, 65535], found 70000", () -> ServerConfig.fromJson("{\"port\": 70000}"));
    assertMessage("unknown field [limits.maxBody]", () -> ServerConfig.fromJson("{\"limits\": {\"maxBody\": 1}}"));
    assertMessage("batching.maxBatchSize must be positive, found 0",
        () -> ServerConfig.fromJson("{\"batching\": {\"maxBatchSize\": 0}}"));
    assertMessage("pollInterval must be a duration", () -> ServerConfig.fromJson("{\"pollInterval\": \"soon\"}"));
    assertMessage("'latest:x' has a number", () -> ServerConfig.fromJson("{\"versionPolicy\": \"latest:x\"}"));
    assertMessage("managementToken must have at least 16 characters",
        () -> ServerConfig.fromJson("{\"managementToken\": \"short\"}"));
    assertMessage("models: '../x' is not a model name", () -> ServerConfig.fromJson("{\"models\": {\"../x\": {}}}"));
    assertMessage("labels: 'bad-label' is not a label",
        () -> ServerConfig.fromJson("{\"models\": {\"m\": {\"labels\": {\"bad-label\": 1}}}}"));
    assertMessage("AEBRIDGE_PORT=abc", () -> ServerConfig.defaults(Path.of("m"))
        .withEnvironment(Map.of("AEBRIDGE_PORT", "abc")));
    IllegalArgumentException shortToken = assertThrows(IllegalArgumentException.class, () ->
        ServerConfig.defaults(Path.of("m")).withEnvironment(Map.of("AEBRIDGE_TOKEN", "shortsecret")));
    assertTrue(shortToken.getMessage().contains("at least 16") && !shortToken.getMessage().contains("shortsecret"),
        shortToken.getMessage());
    Path broken = dir.resolve("broken.json");
    Files.writeString(broken, "{\"port\": 1,\n \"host\": }");
    assertMessage("not valid JSON at line 2", () -> ServerConfig.load(broken));
  }

  /** The file is read by Jackson databind: wrong JSON types are refused by name, not coerced; nested defaults hold. */
  @Test
  void databindRefusesWrongTypesAndKeepsNestedDefaults() throws Exception {
    assertMessage("port", () -> ServerConfig.fromJson("{\"port\": \"80\"}"));
    assertMessage("warmup", () -> ServerConfig.fromJson("{\"warmup\": \"yes\"}"));
    assertMessage("unknown field [models.m.batching.size]",
        () -> ServerConfig.fromJson("{\"models\": {\"m\": {\"batching\": {\"size\": 2}}}}"));
    assertMessage("limits.maxBodyBytes must be a size",
        () -> ServerConfig.fromJson("{\"limits\": {\"maxBodyBytes\": \"lots\"}}"));
    assertMessage("models.m.versionPolicy", () -> ServerConfig.fromJson("{\"models\": {\"m\": {\"versionPolicy\": 7}}}"));
    ServerConfig c = ServerConfig.fromJson("{\"limits\": {\"maxBodyBytes\": \"2MiB\"}, \"bodyTimeout\": 1500, "
        + "\"batching\": {\"maxBatchSize\": 8, \"threads\": 3}, \"models\": {\"m\": {\"batching\": "
        + "{\"maxBatchSize\": 4}}}}");
    assertEquals(2L << 20, c.limits().maxBodyBytes());
    assertEquals(ServerConfig.Limits.defaults().maxBatch(), c.limits().maxBatch(), "unset limits keep defaults");
    assertEquals(java.time.Duration.ofMillis(1500), c.bodyTimeout());
    assertEquals(4, c.batchingOf("m").maxBatchSize());
    assertEquals(3, c.batchingOf("m").threads(), "a model's batching inherits what it leaves out from the server's");
    assertEquals(ServerConfig.DEFAULT_PORT, ServerConfig.fromJson("").port());
    assertEquals(ServerConfig.DEFAULT_PORT, ServerConfig.fromJson("{}").port());
  }

  @Test
  void versionPolicyParsing() {
    assertEquals(List.of(3L), VersionPolicy.latest().select(List.of(1L, 2L, 3L)));
    assertEquals(List.of(2L, 3L), VersionPolicy.parse("latest:2").select(List.of(1L, 2L, 3L)));
    assertEquals(List.of(1L, 3L), VersionPolicy.parse(" specific: 1, 3 ").select(List.of(1L, 2L, 3L)));
    assertEquals(List.of(1L, 2L), VersionPolicy.parse("ALL").select(List.of(1L, 2L)));
    assertEquals("specific:1,3", VersionPolicy.specific(3, 1).toString());
    assertThrows(IllegalArgumentException.class, () -> VersionPolicy.parse("newest"));
    assertThrows(IllegalArgumentException.class, () -> VersionPolicy.parse("latest:0"));
  }

  private static void assertMessage(String part, org.junit.jupiter.api.function.Executable run) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, run);
    assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
  }

  /**
   * A config with every field set to a value its default does not have. Checked field by field against the
   * defaults, so a field added to {@link ServerConfig} and not set here fails the test that uses it.
   */
  private ServerConfig everyFieldSet() throws Exception {
    TestCertificates ca = TestCertificates.authority("wither test CA");
    TestCertificates.Issued server = ca.server(true);
    Path cert = TestCertificates.write(dir.resolve("s.crt"), TestCertificates.pem(server.certificate()));
    Path key = TestCertificates.write(dir.resolve("s.key"), TestCertificates.pkcs8(server));
    return ServerConfig.builder(dir.resolve("models")).host("0.0.0.0").port(9090).pollInterval(Duration.ofSeconds(7))
        .settleTime(Duration.ofMillis(300)).versionPolicy(VersionPolicy.all())
        .model("m", new ServerConfig.ModelSettings(VersionPolicy.latest(2), Map.of("stable", 1L), null))
        .limits(ServerConfig.Limits.defaults().withMaxBatch(7)).batching(ServerConfig.Batching.off())
        .ops(new ServerConfig.Ops(false, List.of("ReadFile"), List.of("PyFunc")))
        .managementToken("0123456789abcdef0123").corsOrigins(List.of("https://app.example"))
        .requestTimeout(Duration.ofSeconds(3)).idleTimeout(Duration.ofSeconds(4)).bodyTimeout(Duration.ofSeconds(5))
        .drainTimeout(Duration.ofSeconds(6)).warmup(false).grpcPort(8501).metricsPath("/monitoring/metrics")
        .sessionThreads(new ServerConfig.SessionThreads(2, 1))
        .tls(new ServerConfig.Tls(ServerConfig.Tls.Pem.read("cert", cert), ServerConfig.Tls.Pem.read("key", key),
            null, null, ServerConfig.Tls.Ports.GRPC))
        .build();
  }

  /** Every wither goes through one copy of the config; none may drop a field (one once did, after a merge). */
  @Test
  void withersKeepEveryOtherField() throws Exception {
    ServerConfig defaults = ServerConfig.builder(dir).build();
    ServerConfig full = everyFieldSet();
    for (RecordComponent c : ServerConfig.class.getRecordComponents()) {
      assertNotEquals(c.getAccessor().invoke(defaults), c.getAccessor().invoke(full),
          "everyFieldSet() must set " + c.getName() + " to a value other than its default");
    }
    Map<String, ServerConfig.ModelSettings> other = Map.of("other",
        new ServerConfig.ModelSettings(VersionPolicy.specific(3), Map.of(), ServerConfig.Batching.defaults()));
    ServerConfig swapped = full.withModels(other);
    for (RecordComponent c : ServerConfig.class.getRecordComponents()) {
      Object expected = c.getName().equals("models") ? other : c.getAccessor().invoke(full);
      assertEquals(expected, c.getAccessor().invoke(swapped), "withModels changed " + c.getName());
    }
    assertEquals(full, full.toBuilder().build());
    assertEquals(full, full.withEnvironment(Map.of()));
    assertEquals(full, swapped.withModels(full.models()));
  }
}
