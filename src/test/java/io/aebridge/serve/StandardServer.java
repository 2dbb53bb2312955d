package io.aebridge.serve;

import io.aebridge.load.ModelLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The set-up most server tests share: a server on a random loopback port over {@link ServeFixtures#standardModels},
 * started once before a test class and closed after it, with the models folder deleted. Register it as
 * {@code @RegisterExtension static final StandardServer SERVER = new StandardServer(b -> b.limits(…));} and use
 * {@link #server} and {@link #client} in the tests.
 */
public final class StandardServer implements BeforeAllCallback, AfterAllCallback {
  private final UnaryOperator<ServerConfig.Builder> settings;
  private Path dir;
  /** The running server; set before the class's first test. */
  public ModelServer server;
  /** A client of {@link #server}. */
  public TestClient client;

  public StandardServer() {
    this(b -> b);
  }

  /** @param settings changes to the test defaults (port 0, no polling) */
  public StandardServer(UnaryOperator<ServerConfig.Builder> settings) {
    this.settings = settings;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    dir = Files.createTempDirectory("aebridge-serve-test");
    Path root = ServeFixtures.standardModels(dir);
    server = ModelServer.start(settings.apply(ServerConfig.builder(root).port(0).pollInterval(Duration.ZERO))
        .build());
    client = new TestClient(server.baseUrl());
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    try {
      if (server != null) {
        server.close();
      }
    } finally {
      ModelLayout.deleteRecursively(dir);
    }
  }
}
