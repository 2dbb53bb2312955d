package io.aebridge.cli;

import io.aebridge.load.ModelLayout;
import io.aebridge.serve.ModelServer;
import io.aebridge.serve.ServerConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "serve",
    description = {
        "Serve every SavedModel under a models folder over HTTP (TF Serving layout "
            + "<root>/<name>/<version>/). Speaks TF Serving REST (/v1/models/...), the Open Inference Protocol V2 "
            + "(/v2/...), autoencoder endpoints (/v1/ae/<model>/encode|decode|reconstruct|image), /metrics, "
            + "/openapi.json and a web page at /. Binds 127.0.0.1 unless told otherwise; SIGTERM or Ctrl-C "
            + "finishes in-flight requests and closes the models. Settings: --config FILE (see "
            + "server/aebridge-server.json), then AEBRIDGE_* environment variables, then these flags. See "
            + "server/README.md.",
        "",
        "Examples:",
        "  aebridge serve",
        "  aebridge serve --models saved-models --port 8080",
        "  aebridge serve --grpc-port 0                     # HTTP only",
        "  aebridge serve --config server/aebridge-server.json",
        "  aebridge serve --tls-cert server.crt --tls-key server.key              # HTTPS and gRPC over TLS",
        "  aebridge serve --tls-cert s.crt --tls-key s.key --tls-client-ca ca.crt  # mutual TLS"})
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--models", paramLabel = "DIR", description = "Models root. Default: saved-models (or the config's).")
  Path models;

  @Option(names = "--port", paramLabel = "N", description = "Port (0 = any free one, and a free gRPC port too "
      + "unless --grpc-port says otherwise). Default: " + ServerConfig.DEFAULT_PORT + ".")
  Integer port;

  @Option(names = "--grpc-port", paramLabel = "N", description = "gRPC port (TF Serving PredictionService, KServe "
      + "V2) on the same address; 0 = off, -1 = any free one. Default: " + ServerConfig.DEFAULT_GRPC_PORT + ".")
  Integer grpcPort;

  @Option(names = "--host", paramLabel = "ADDRESS", description = "Address to bind. Default: "
      + ServerConfig.DEFAULT_HOST + " (this machine only).")
  String host;

  @Option(names = "--config", paramLabel = "FILE", description = "A JSON or YAML server config.")
  Path config;

  @Option(names = "--tls-cert", paramLabel = "PEM", description = "Server certificate chain (PEM): turns TLS on for "
      + "both ports (HTTPS and gRPC over TLS), with --tls-key.")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", description = "The certificate's private key (PEM: PKCS#8, RSA or "
      + "EC; unencrypted).")
  Path tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "PEM", description = "CA certificates (PEM) that sign client "
      + "certificates: mutual TLS, required unless --tls-client-auth says otherwise.")
  Path tlsClientCa;

  @Option(names = "--tls-client-auth", paramLabel = "MODE", description = "none, optional or require. Default: "
      + "require with --tls-client-ca, else none.")
  String tlsClientAuth;

  @Override
  public Integer call() throws Exception {
    ModelServer server = start(models, port, grpcPort, host, config, b -> b.tls(ServerConfig.Tls.override(b.tls(),
        tlsCert, tlsKey, tlsClientCa, tlsClientAuth,
        new String[] {"--tls-cert", "--tls-key", "--tls-client-ca", "--tls-client-auth"})));
    server.awaitStop();
    return 0;
  }

  /** Starts a server with config file → environment → flag precedence; it stops on SIGTERM/Ctrl-C. */
  static ModelServer start(Path models, Integer port, String host, Path configFile) throws Exception {
    return start(models, port, null, host, configFile);
  }

  /** As {@link #start(Path, Integer, String, Path)}, with the gRPC port ({@code null}: config's). */
  static ModelServer start(Path models, Integer port, Integer grpcPort, String host, Path configFile)
      throws Exception {
    return start(models, port, grpcPort, host, configFile, b -> b);
  }

  /** As {@link #start(Path, Integer, Integer, String, Path)}, then {@code more} (the TLS flags) on top. */
  static ModelServer start(Path models, Integer port, Integer grpcPort, String host, Path configFile,
      UnaryOperator<ServerConfig.Builder> more) throws Exception {
    Path root = models == null ? Path.of("saved-models") : models;
    ServerConfig base = configFile == null ? ServerConfig.defaults(root) : ServerConfig.load(configFile);
    ServerConfig.Builder b = base.withEnvironment(System.getenv()).toBuilder();
    if (models != null) {
      b.modelsRoot(models);
    }
    if (port != null) {
      b.port(port);
    }
    if (host != null) {
      b.host(host);
    }
    if (grpcPort != null) {
      b.grpcPort(grpcPort);
    } else if (port != null && port == 0 && b.build().grpcPort() > 0) {
      // --port 0 asks for free ports: the gRPC one too, unless it was turned off (tests run many servers at once).
      b.grpcPort(-1);
    }
    ServerConfig cfg = more.apply(b).build();
    NativePreload.start();
    ModelServer server = ModelServer.start(cfg);
    server.closeOnShutdown();
    System.out.println("Serving " + ModelLayout.modelNames(cfg.modelsRoot()) + " from " + cfg.modelsRoot()
        + " at " + server.baseUrl() + "  (web page: " + server.baseUrl() + "/ ; "
        + (server.grpcPort() < 0 ? "gRPC off" : "gRPC on port " + server.grpcPort()) + "; Ctrl-C stops)");
    return server;
  }
}
