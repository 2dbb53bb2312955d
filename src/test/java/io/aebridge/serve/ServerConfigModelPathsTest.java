package io.aebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.aebridge.serve.ServerConfig.ModelSettings;
import io.aebridge.serve.ServerConfig.SessionThreads;
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
