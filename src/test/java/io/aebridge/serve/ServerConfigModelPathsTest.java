package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.ServerConfig.ModelSettings;
import io.aebridge.serve.ServerConfig.SessionThreads;
import io.aebridge.serve.repository.VersionPolicy;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings TF Serving's command line needs: models in their own folders, a metrics path, session threads. */
class ServerConfigModelPathsTest {
  @Test
  void modelsWithTheirOwnFolderNeedNoRoot() {
    ServerConfig c = ServerConfig.builder(null)
        .model("a", new ModelSettings(null, Map.of(), null, Path.of("/x/a")))
        .model("b", new ModelSettings(null, Map.of(), null, Path.of("/y/b"))).build();
    assertNull(c.modelsRoot());
    assertEquals(Path.of("/x/a"), c.modelDir("a"));
    assertEquals(Path.of("/y/b"), c.modelDir("b"));
    assertNull(c.modelDir("c"));

    ServerConfig rooted = ServerConfig.builder(Path.of("root"))
        .model("a", new ModelSettings(null, Map.of(), null, Path.of("/x/a"))).build();
    assertEquals(Path.of("/x/a"), rooted.modelDir("a"), "a model's own folder wins over <root>/<name>");
    assertEquals(Path.of("root/c"), rooted.modelDir("c"));

    String message = assertThrows(IllegalArgumentException.class, () -> ServerConfig.builder(null).build())
        .getMessage();
    assertTrue(message.startsWith("modelsRoot is required"), message);
  }

  @Test
  void withModelsReplacesOnlyTheModelListAndValidatesIt() {
    ServerConfig c = ServerConfig.builder(null).port(0).grpcPort(-1).metricsPath("/m")
        .model("a", new ModelSettings(VersionPolicy.latest(), Map.of("stable", 1L), null, Path.of("/x/a"))).build();
    ServerConfig next = c.withModels(Map.of("b", new ModelSettings(VersionPolicy.all(), Map.of(), null,
        Path.of("/y/b"))));
    assertEquals(java.util.Set.of("b"), next.models().keySet());
    assertEquals(Path.of("/y/b"), next.modelDir("b"));
    assertNull(next.modelDir("a"));
    assertEquals(VersionPolicy.all(), next.versionPolicyOf("b"));
    assertEquals(Map.of(), next.labelsOf("a"));
    assertEquals(c, next.withModels(c.models()), "everything but the model list is kept");

    String empty = assertThrows(IllegalArgumentException.class, () -> c.withModels(Map.of())).getMessage();
    assertTrue(empty.startsWith("modelsRoot is required"), empty);
    String badName = assertThrows(IllegalArgumentException.class, () -> c.withModels(Map.of("a b",
        new ModelSettings(null, Map.of(), null, Path.of("/z"))))).getMessage();
    assertTrue(badName.startsWith("models: 'a b' is not a model name"), badName);
  }

  @Test
  void jsonFields() {
    ServerConfig c = ServerConfig.fromJson("{\"models\": {\"m\": {\"basePath\": \"/models/m\"}}, \"metricsPath\": "
        + "\"/monitoring/prometheus/metrics\", \"sessionThreads\": {\"intraOp\": 2, \"interOp\": 1}}");
    assertEquals(Path.of("/models/m"), c.modelDir("m"));
    assertEquals("/monitoring/prometheus/metrics", c.metricsPath());
    assertEquals(new SessionThreads(2, 1), c.sessionThreads());
    assertEquals(SessionThreads.AUTO, ServerConfig.fromJson("{}").sessionThreads());
    assertNull(ServerConfig.fromJson("{}").metricsPath());

    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.fromJson("{\"metricsPath\": "
        + "\"metrics\"}")).getMessage().startsWith("metricsPath must be an absolute URL path"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.fromJson("{\"sessionThreads\": "
        + "{\"intraOp\": -1}}")).getMessage().startsWith("sessionThreads must not be negative"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> ServerConfig.fromJson("{\"sessionThreads\": "
        + "{\"intra\": 1}}")).getMessage().contains("sessionThreads.intra"));
  }

  @Test
  void noHttpNeedsGrpc() {
    ServerConfig grpcOnly = ServerConfig.builder(Path.of("m")).port(ServerConfig.HTTP_OFF).grpcPort(8500).build();
    assertEquals(ServerConfig.HTTP_OFF, grpcOnly.port());
    String message = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.builder(Path.of("m")).port(ServerConfig.HTTP_OFF).grpcPort(0).build()).getMessage();
    assertEquals("port -1 (no HTTP) needs a gRPC port, but grpcPort is 0 (off)", message);
  }
}
