package io.aebridge.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.grpc.GrpcServer;
import io.aebridge.serve.http.AutoencoderApi;
import io.aebridge.serve.http.BodyReader;
import io.aebridge.serve.http.Http;
import io.aebridge.serve.http.HttpErrors;
import io.aebridge.serve.http.InferenceProtocolApi;
import io.aebridge.serve.http.ManagementApi;
import io.aebridge.serve.http.OpenApi;
import io.aebridge.serve.http.Routes;
import io.aebridge.serve.http.TensorJson;
import io.aebridge.serve.http.TfServingApi;
import io.aebridge.serve.repository.Inference;
import io.aebridge.serve.repository.ModelRepository;
import io.aebridge.serve.repository.OpPolicy;
import io.javalin.Javalin;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP model server: serves every model of a {@link ModelRepository} over TF Serving REST, the Open Inference
 * Protocol V2 and the autoencoder endpoints, with {@code /metrics}, {@code /openapi.json} and a web page at
 * {@code /}.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.load(Path.of("server/aebridge-server.json")).withEnvironment(System.getenv());
 * ModelServer server = ModelServer.start(config);
 * server.closeOnShutdown();   // SIGTERM: stop accepting, finish in-flight requests, close every model
 * server.awaitStop();
 * }</pre>
 *
 * <p>{@link #close()} stops gracefully: the port stops accepting, in-flight requests finish (up to
 * {@link ServerConfig#drainTimeout()}), queued batches run, and every model is closed. Thread-safe.
 */
public final class ModelServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ModelServer.class);
  /**
   * One line per failed request (4xx at INFO), per answered one at DEBUG: an access log under its own name, so it
   * can be turned down ({@code -Dorg.slf4j.simpleLogger.log.io.aebridge.requests=warn}) without hiding the rest.
   */
  private static final Logger REQUESTS = LoggerFactory.getLogger("io.aebridge.requests");
  private static final Pattern UI_FILE = Pattern.compile("[a-z0-9-]{1,40}\\.(js|css|svg|png)");

  private final ServerConfig config;
  private final Services services;
  private final Javalin app;
  private final List<String> handlers = Collections.synchronizedList(new ArrayList<>());
  private final Routes routes;
  private final byte[] openApi;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CountDownLatch stopped = new CountDownLatch(1);
  /** The PEM material of {@link ServerConfig#tls()}, parsed once for both ports; {@code null} without TLS. */
  private final ServerTls tls;
  /** The body limits {@link #bodyLimit} chooses from, made once rather than per request. */
  private final BodyReader.Limit requestLimit;
  private final BodyReader.Limit uploadLimit;
  /** The gRPC port's server; {@code null} while not started or when {@code grpcPort} is 0. */
  private volatile GrpcServer grpc;

  private ModelServer(ServerConfig config) {
    this.config = config;
    this.tls = config.tls() == null ? null : ServerTls.of(config.tls());
    this.requestLimit = new BodyReader.Limit(config.limits().maxBodyBytes(), "limits.maxBodyBytes");
    this.uploadLimit = new BodyReader.Limit(config.limits().maxUploadBytes(), "limits.maxUploadBytes");
    ServerMetrics metrics = new ServerMetrics();
    OpPolicy ops = OpPolicy.of(config.ops());
    ModelRepository repository = new ModelRepository(config, ops);
    metrics.bind(repository);
    this.services = new Services(config, repository, new Inference(config, metrics), metrics, ops);
    this.routes = new Routes();
    registerServerRoutes();
    new TfServingApi(services).register(routes);
    new InferenceProtocolApi(services).register(routes);
    new AutoencoderApi(services).register(routes);
    new ManagementApi(services).register(routes);
    try {
      this.openApi = new ObjectMapper().writerWithDefaultPrettyPrinter()
          .writeValueAsBytes(OpenApi.document(routes));
    } catch (IOException e) {
      throw new IllegalStateException("Could not render the OpenAPI description", e);
    }
    HttpErrors.JettyWriter early = new HttpErrors.JettyWriter();
    this.app = Javalin.create(c -> {
      c.startup.showJavalinBanner = false;
      c.startup.showOldJavalinVersionWarning = false;
      c.startup.startupWatcherEnabled = false;
      c.http.defaultContentType = "application/json";
      c.http.maxRequestSize = Math.max(config.limits().maxBodyBytes(), config.limits().maxUploadBytes());
      c.jetty.modifyServer(server -> {
        server.setStopTimeout(config.drainTimeout().toMillis());
        // Bodies are read in full before a request takes a thread (BodyReader); the graceful-stop count sits
        // behind it, so a stop waits for requests being handled, not for bodies that may never come.
        server.setHandler(new BodyReader(this::bodyLimit, config.bodyTimeout(), early));
        ((BodyReader) server.getHandler()).setHandler(new GracefulHandler());
        server.setErrorHandler(new HttpErrors.BadMessages());
      });
      c.jetty.modifyHttpConfiguration(http -> {
        // Javalin 7 relaxes this to LEGACY; ambiguous paths (an encoded '/' or '..' segment) stay refused with 400.
        http.setUriCompliance(UriCompliance.DEFAULT);
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
      });
      c.jetty.addConnector((server, http) -> {
        ServerConnector connector;
        if (tls != null && config.tls().http()) {
          // HTTPS (HTTP/1.1 over TLS); without SNI checks: one certificate, and the client verifies its name.
          http.addCustomizer(new SecureRequestCustomizer(false));
          connector = new ServerConnector(server, new SslConnectionFactory(tls.jetty(), "http/1.1"),
              new HttpConnectionFactory(http));
        } else {
          connector = new ServerConnector(server, new HttpConnectionFactory(http));
        }
        connector.setHost(config.host());
        connector.setPort(config.port());
        connector.setIdleTimeout(config.idleTimeout().toMillis());
        return connector;
      });
      c.events.handlerAdded(h -> {
        if (h.getHttpMethod().isHttpMethod()) {
          handlers.add(h.getHttpMethod().name() + " " + h.getPath());
        }
      });
      c.requestLogger.http(this::logRequest);
      if (!config.corsOrigins().isEmpty()) {
        c.bundledPlugins.enableCors(cors -> cors.addRule(rule -> {
          for (String origin : config.corsOrigins()) {
            if (origin.equals("*")) {
              rule.anyHost();
            } else {
              rule.allowHost(origin);
            }
          }
          rule.exposeHeader(Http.REQUEST_ID);
        }));
      }
      c.routes.before(ctx -> {
        Http.assignRequestId(ctx);
        ctx.attribute(START_ATTRIBUTE, System.nanoTime());
      });
      routes.addTo(c.routes);
      HttpErrors.install(c.routes);
    });
  }

  /** The most body bytes read for {@code request}: uploads have their own limit when management is on. */
  private BodyReader.Limit bodyLimit(org.eclipse.jetty.server.Request request) {
    return config.managementEnabled() && request.getHttpURI().getPath().startsWith("/v1/management/")
        ? uploadLimit : requestLimit;
  }

  private static final String START_ATTRIBUTE = "aebridge.start";

  /**
   * Starts a server: loads what the models folder holds while it binds the ports (the call returns once both are
   * done; readiness answers 503 until then) and keeps polling the folder.
   */
  public static ModelServer start(ServerConfig config) {
    ModelServer server = new ModelServer(config);
    // The first scan (TensorFlow sessions on loader threads) and the HTTP/gRPC start-up (class loading on this
    // thread) are the two halves of a cold start; run one after the other they add up.
    FutureTask<Void> firstScan = new FutureTask<>(server.services.repository()::start, null);
    Thread scanner = new Thread(firstScan, "aebridge-first-scan");
    scanner.setDaemon(true);
    try {
      scanner.start();
      if (config.port() != ServerConfig.HTTP_OFF) {
        server.app.start();
        LOG.info("Model server listening on {}://{}:{} serving {} ({})", server.tls != null
            && config.tls().http() ? "https" : "http", config.host(), server.port(),
            config.modelsRoot(), config.managementEnabled() ? "management API on" : "management API off");
      }
      server.startGrpc();
      awaitFirstScan(firstScan);
      if (server.grpc != null) {
        server.grpc.markServing();
      }
      // The JVM's own uptime: in a container it separates the server's start from the runtime's (podman, kubelet).
      LOG.info("Models ready: {} ({} ms after the JVM started)", server.services.repository().servedModels(),
          ManagementFactory.getRuntimeMXBean().getUptime());
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private static void awaitFirstScan(FutureTask<Void> firstScan) {
    try {
      firstScan.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while the models loaded", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  private void startGrpc() {
    if (config.grpcPort() != 0) {
      grpc = GrpcServer.start(new GrpcServer.Settings(config.host(), Math.max(0, config.grpcPort()),
          config.limits().maxBodyBytes(), 200, config.drainTimeout()), new GrpcHostAdapter(services),
          tls != null && config.tls().grpc() ? tls.grpc() : null);
    }
  }

  /** The bound gRPC port, or -1 when gRPC is off ({@code grpcPort} 0). */
  public int grpcPort() {
    GrpcServer g = grpc;
    return g == null ? -1 : g.port();
  }

  private void registerServerRoutes() {
    routes.get("/openapi.json").summary("This API's OpenAPI 3 description").response("OpenApi")
        .handle(ctx -> ctx.contentType("application/json").result(openApi));
    routes.get("/metrics").summary("Prometheus metrics (text format)").response(null, "text/plain")
        .handle(ctx -> ctx.contentType(ServerMetrics.CONTENT_TYPE).result(services.metrics().scrape()));
    if (config.metricsPath() != null && !config.metricsPath().equals("/metrics")) {
      routes.get(config.metricsPath()).summary("Prometheus metrics at the configured path (same as /metrics)")
          .response(null, "text/plain")
          .handle(ctx -> ctx.contentType(ServerMetrics.CONTENT_TYPE).result(services.metrics().scrape()));
    }
    routes.get("/").tag("web").summary("The web page: models, draw or upload a digit, see its reconstruction")
        .response(null, "text/html").handle(ctx -> resource(ctx, "index.html", "text/html; charset=utf-8"));
    routes.get("/ui/{file}").tag("web").summary("Script and style files of the web page")
        .response(null, "text/plain").handle(ctx -> {
          String file = ctx.pathParam("file");
          if (!UI_FILE.matcher(file).matches()) {
            throw ServingException.notFound("No web file '" + TensorJson.abbreviate(file) + "'");
          }
          String type = file.endsWith(".js") ? "text/javascript; charset=utf-8"
              : file.endsWith(".css") ? "text/css; charset=utf-8"
              : file.endsWith(".svg") ? "image/svg+xml" : "image/png";
          resource(ctx, file, type);
        });
  }

  private static void resource(Context ctx, String file, String type) throws IOException {
    try (InputStream in = ModelServer.class.getResourceAsStream("web/" + file)) {
      if (in == null) {
        throw ServingException.notFound("No web file '" + file + "'");
      }
      ctx.contentType(type).header("Cache-Control", "no-cache").result(in.readAllBytes());
    }
  }

  private void logRequest(Context ctx, Float millis) {
    Long start = ctx.attribute(START_ATTRIBUTE);
    long nanos = start == null ? (long) (millis * 1e6) : System.nanoTime() - start;
    String model = ctx.attribute(Http.MODEL_ATTRIBUTE);
    String endpoint;
    try {
      io.javalin.router.Endpoint matched = ctx.endpoints().matchedHttpEndpoint();
      endpoint = matched == null ? "unmatched" : matched.path;
    } catch (RuntimeException e) {
      endpoint = "unmatched";
    }
    if (endpoint == null || endpoint.isEmpty() || endpoint.equals("*")) {
      endpoint = "unmatched";
    }
    int status = ctx.statusCode();
    services.metrics().request(model == null ? "" : model, ctx.method().name() + " " + endpoint, status, nanos);
    // Failed requests are logged with their id at INFO (server faults also at ERROR with a stack trace); the rest
    // at DEBUG, so a busy server's log stays readable.
    if (status >= 400 || REQUESTS.isDebugEnabled()) {
      String line = String.format("[%s] %s %s %d %.1f ms", Http.requestId(ctx), ctx.method(), ctx.path(), status,
          nanos / 1e6);
      if (status >= 400) {
        REQUESTS.info(line);
      } else {
        REQUESTS.debug(line);
      }
    }
  }

  /** The bound HTTP port, or {@link ServerConfig#HTTP_OFF} when the server has no HTTP side. */
  public int port() {
    return config.port() == ServerConfig.HTTP_OFF ? ServerConfig.HTTP_OFF : app.port();
  }

  /** {@code http://host:port}. */
  public String baseUrl() {
    return (tls != null && config.tls().http() ? "https://" : "http://") + (config.host().contains(":") ? "[" + config.host() + "]" : config.host()) + ":" + port();
  }

  public ServerConfig config() {
    return config;
  }

  public ModelRepository repository() {
    return services.repository();
  }

  /** Every endpoint Javalin registered, as {@code "GET /path"}; the OpenAPI test checks each is described. */
  public List<String> registeredHandlers() {
    synchronized (handlers) {
      return List.copyOf(handlers);
    }
  }

  /**
   * Closes this server gracefully when the JVM is asked to stop (SIGTERM, Ctrl-C).
   *
   * @return the registered hook
   */
  public Thread closeOnShutdown() {
    Thread hook = new Thread(this::close, "aebridge-server-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    return hook;
  }

  /** Blocks until {@link #close()} finished. */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /** Stops gracefully (see the class comment). Idempotent. */
  @Override
  public void close() {
    if (closed.getAndSet(true)) {
      return;
    }
    LOG.info("Model server stopping: finishing in-flight requests");
    GrpcServer g = grpc;
    if (g != null) {
      g.close();
    }
    try {
      if (config.port() != ServerConfig.HTTP_OFF) {
        app.stop();
      }
    } catch (RuntimeException e) {
      LOG.warn("Stopping the HTTP server failed", e);
    }
    services.inference().close();
    services.repository().close(config.drainTimeout());
    services.metrics().close();
    LOG.info("Model server stopped");
    stopped.countDown();
  }
}
