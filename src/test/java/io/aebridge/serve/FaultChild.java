package io.aebridge.serve;

import io.aebridge.train.TrainedModel;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The child JVM of {@link FaultsTest}'s kill -9 cases (never run by JUnit itself):
 * {@code export <models>} trains the dense autoencoder once and exports it again and again;
 * {@code serve <models> <token>} runs a server with the management API on and prints {@code PORT <n>}.
 */
public final class FaultChild {
  private FaultChild() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[1]);
    switch (args[0]) {
      case "export" -> {
        try (TrainedModel trained = ServeFixtures.trainDense()) {
          for (int i = 0; ; i++) {
            ServeFixtures.exportDense(root, trained);
            System.out.println("EXPORTED " + i);
          }
        }
      }
      case "serve" -> {
        ModelServer server = ModelServer.start(ServerConfig.builder(root).port(0).pollInterval(Duration.ZERO)
            .managementToken(args[2]).build());
        System.out.println("PORT " + server.port());
        System.out.flush();
        server.awaitStop();
      }
      default -> throw new IllegalArgumentException(args[0]);
    }
  }
}
