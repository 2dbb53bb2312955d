package io.aebridge.serve;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.MapperBuilder;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.aebridge.serve.repository.VersionPolicy;
import io.aebridge.spec.JsonPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the model server is told: where to listen, which models to serve and how, limits, batching, the op
 * allow-list and the management token. Immutable and validated on construction; a bad value throws
 * {@link IllegalArgumentException} naming the field and the value.
 *
 * <p>Read from JSON or YAML with {@link #load(Path)} (see {@code server/aebridge-server.json}; every field is
 * optional; Jackson databind fills a form of the file, refusing unknown fields and values of the wrong JSON type by
 * their dotted name), then {@link #withEnvironment(Map)} applies {@code AEBRIDGE_*} overrides. Durations are written
 * {@code "2s"}, {@code "500ms"}, {@code "1m"} or as milliseconds; sizes as bytes or {@code "64MiB"}.
 *
 * @param host address to bind; {@code 127.0.0.1} unless told otherwise
 * @param port HTTP port; 0 picks a free one, {@link #HTTP_OFF} (-1) serves no HTTP (gRPC only, as TF Serving's
 *     {@code --rest_api_port=0})
 * @param modelsRoot the TF Serving layout folder {@code <root>/<model>/<version>/}
 * @param pollInterval how often the folder is re-read; zero disables polling
 * @param settleTime a version folder whose newest file is younger than this is loaded only once two polls saw it
 *     unchanged (a copy in progress is never loaded half-written)
 * @param versionPolicy which versions to serve, unless a model overrides it
 * @param models per-model settings by model name
 * @param limits request limits
 * @param batching dynamic batching, unless a model overrides it
 * @param ops the op allow-list
 * @param managementToken bearer token of the management API; {@code null} disables that API
 * @param corsOrigins origins allowed cross-origin requests; empty disables CORS
 * @param requestTimeout deadline of one inference request (then 504)
 * @param idleTimeout how long a connection may stay silent (slow clients are cut off)
 * @param bodyTimeout how long a request body may take to arrive in full, counted from its headers (then 408); a
 *     body is read without holding a request thread, so this bounds how long a trickling client holds a connection
 *     and its buffer, not the server's liveness
 * @param drainTimeout how long a graceful stop waits for in-flight requests
 * @param warmup whether each new version runs every signature once on zeros before it is served
 * @param grpcPort the gRPC port (TF Serving's PredictionService, KServe V2) on the same address; 0 turns gRPC off,
 *     -1 picks a free port. {@link #defaults}, {@link #load} and the serve command use 8500 (TF Serving's);
 *     {@link #builder} leaves it off, so an embedded server opens one port unless told
 * @param metricsPath a second path serving {@code /metrics} (TF Serving's {@code --monitoring_config_file} names
 *     one); {@code null} for none
 * @param sessionThreads TensorFlow's thread pools of each loaded model
 * @param tls TLS on the HTTP and/or gRPC port from PEM files; {@code null} (the default) serves plain text
 */
public record ServerConfig(
    String host,
    int port,
    Path modelsRoot,
    Duration pollInterval,
    Duration settleTime,
    VersionPolicy versionPolicy,
    Map<String, ModelSettings> models,
    Limits limits,
    Batching batching,
    Ops ops,
    String managementToken,
    List<String> corsOrigins,
    Duration requestTimeout,
    Duration idleTimeout,
    Duration bodyTimeout,
    Duration drainTimeout,
    boolean warmup,
    int grpcPort,
    String metricsPath,
    SessionThreads sessionThreads,
    Tls tls) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  /** {@code port} value for a server without HTTP (gRPC only). */
  public static final int HTTP_OFF = -1;
  /** TF Serving's gRPC port. */
  public static final int DEFAULT_GRPC_PORT = 8500;
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(2);
  public static final Duration DEFAULT_SETTLE_TIME = Duration.ofSeconds(1);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(20);
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
  /** Model names double as folder names and URL segments. */
  public static final Pattern MODEL_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");
  /** TF Serving's label syntax. */
  public static final Pattern LABEL_NAME = Pattern.compile("[A-Za-z0-9_]{1,100}");

  public ServerConfig {
    host = host == null || host.isBlank() ? DEFAULT_HOST : host.trim();
    if (port < HTTP_OFF || port > 65535) {
      throw new IllegalArgumentException("port must lie in [0, 65535], found " + port + " (or -1: no HTTP)");
    }
    if (port == HTTP_OFF && grpcPort == 0) {
      throw new IllegalArgumentException("port -1 (no HTTP) needs a gRPC port, but grpcPort is 0 (off)");
    }
    models = models == null ? Map.of() : Map.copyOf(models);
    // Without a root the server serves exactly the models given their own folder (TF Serving's model config list).
    if (modelsRoot == null && models.values().stream().noneMatch(m -> m.basePath() != null)) {
      throw new IllegalArgumentException("modelsRoot is required (the folder holding <model>/<version>/) unless "
          + "models name their own basePath");
    }
    pollInterval = nonNegative("pollInterval", pollInterval, DEFAULT_POLL_INTERVAL);
    settleTime = nonNegative("settleTime", settleTime, DEFAULT_SETTLE_TIME);
    versionPolicy = versionPolicy == null ? VersionPolicy.latest() : versionPolicy;
    for (String name : models.keySet()) {
      if (!validModelName(name)) {
        throw new IllegalArgumentException("models: '" + name + "' is not a model name ([A-Za-z0-9._-], 1–100 "
            + "characters, not starting with '.')");
      }
    }
    limits = limits == null ? Limits.defaults() : limits;
    batching = batching == null ? Batching.defaults() : batching;
    ops = ops == null ? Ops.defaults() : ops;
    if (managementToken != null) {
      managementToken = managementToken.strip();
      if (managementToken.isEmpty()) {
        managementToken = null;
      } else if (managementToken.length() < 16) {
        throw new IllegalArgumentException("managementToken must have at least 16 characters, found "
            + managementToken.length());
      }
    }
    corsOrigins = corsOrigins == null ? List.of() : List.copyOf(corsOrigins);
    requestTimeout = positive("requestTimeout", requestTimeout, DEFAULT_REQUEST_TIMEOUT);
    idleTimeout = positive("idleTimeout", idleTimeout, DEFAULT_IDLE_TIMEOUT);
    bodyTimeout = positive("bodyTimeout", bodyTimeout, DEFAULT_BODY_TIMEOUT);
    drainTimeout = nonNegative("drainTimeout", drainTimeout, DEFAULT_DRAIN_TIMEOUT);
    if (grpcPort < -1 || grpcPort > 65535) {
      throw new IllegalArgumentException("grpcPort must lie in [0, 65535] (0 = off) or be -1 (any free port), "
          + "found " + grpcPort);
    }
    if (metricsPath != null && !metricsPath.matches("/[A-Za-z0-9._~/-]*")) {
      throw new IllegalArgumentException("metricsPath must be an absolute URL path like /monitoring/prometheus/"
          + "metrics, found '" + metricsPath + "'");
    }
    sessionThreads = sessionThreads == null ? SessionThreads.AUTO : sessionThreads;
  }

  /**
   * The folder holding {@code model}'s versions: its own {@code basePath} when it has one, else
   * {@code <modelsRoot>/<model>}; {@code null} when neither exists.
   */
  public Path modelDir(String model) {
    ModelSettings s = models.get(model);
    if (s != null && s.basePath() != null) {
      return s.basePath();
    }
    return modelsRoot == null ? null : modelsRoot.resolve(model);
  }

  /**
   * This config with {@code newModels} as its model list (a reloaded TF Serving model config), everything else
   * kept; validated as any config is.
   *
   * @throws IllegalArgumentException naming the bad model name, or when no model could be found any more (no
   *     models root and no model with a base path)
   */
  public ServerConfig withModels(Map<String, ModelSettings> newModels) {
    // Through the builder, whose copy of this config is the one place besides build() that lists every field: a
    // wither that repeated the constructor dropped a field once when one was added.
    return toBuilder().models(newModels).build();
  }

  /** Whether {@code name} may name a model (and so a folder and a URL segment). */
  public static boolean validModelName(String name) {
    return name != null && MODEL_NAME.matcher(name).matches() && !name.startsWith(".");
  }

  /** The defaults, serving {@code modelsRoot}. */
  public static ServerConfig defaults(Path modelsRoot) {
    return builder(modelsRoot).grpcPort(DEFAULT_GRPC_PORT).build();
  }

  public static Builder builder(Path modelsRoot) {
    return new Builder(modelsRoot);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Whether the management API is on (a token is configured). */
  public boolean managementEnabled() {
    return managementToken != null;
  }

  /** The version policy of {@code model}: its own, or the server's. */
  public VersionPolicy versionPolicyOf(String model) {
    ModelSettings s = models.get(model);
    return s != null && s.versionPolicy() != null ? s.versionPolicy() : versionPolicy;
  }

  /** The batching of {@code model}: its own, or the server's. */
  public Batching batchingOf(String model) {
    ModelSettings s = models.get(model);
    return s != null && s.batching() != null ? s.batching() : batching;
  }

  /** The labels of {@code model} (label → version). */
  public Map<String, Long> labelsOf(String model) {
    ModelSettings s = models.get(model);
    return s == null ? Map.of() : s.labels();
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "ServerConfig[host=" + host + ", port=" + port + ", modelsRoot=" + modelsRoot + ", pollInterval="
        + pollInterval + ", settleTime=" + settleTime + ", versionPolicy=" + versionPolicy + ", models=" + models
        + ", limits=" + limits + ", batching=" + batching + ", ops=" + ops + ", management="
        + (managementEnabled() ? "on (token set)" : "off") + ", corsOrigins=" + corsOrigins + ", requestTimeout="
        + requestTimeout + ", idleTimeout=" + idleTimeout + ", bodyTimeout=" + bodyTimeout
        + ", drainTimeout=" + drainTimeout + ", warmup=" + warmup + ", grpcPort=" + grpcPort + ", metricsPath="
        + metricsPath + ", sessionThreads=" + sessionThreads + ", tls=" + tls + "]";
  }

  /**
   * Request limits.
   *
   * @param maxBodyBytes largest request body (413 beyond)
   * @param maxBatch most samples in one request (400 beyond)
   * @param maxUploadBytes largest uploaded zip
   * @param maxUnpackedBytes most bytes an uploaded zip may unpack to
   * @param maxZipEntries most entries in an uploaded zip
   * @param maxImagePixels most pixels of a PNG posted to the image endpoint (width × height, read from its header
   *     before decoding)
   */
  public record Limits(long maxBodyBytes, int maxBatch, long maxUploadBytes, long maxUnpackedBytes,
      int maxZipEntries, long maxImagePixels) {
    public static final long DEFAULT_MAX_BODY_BYTES = 64L << 20;
    public static final int DEFAULT_MAX_BATCH = 1024;

    public Limits {
      positive("limits.maxBodyBytes", maxBodyBytes);
      positive("limits.maxBatch", maxBatch);
      positive("limits.maxUploadBytes", maxUploadBytes);
      positive("limits.maxUnpackedBytes", maxUnpackedBytes);
      positive("limits.maxZipEntries", maxZipEntries);
      positive("limits.maxImagePixels", maxImagePixels);
      if (maxBodyBytes > Integer.MAX_VALUE - 64) {
        throw new IllegalArgumentException("limits.maxBodyBytes must be below 2 GiB, found " + maxBodyBytes);
      }
      if (maxUploadBytes > Integer.MAX_VALUE - 64) {
        throw new IllegalArgumentException("limits.maxUploadBytes must be below 2 GiB, found " + maxUploadBytes);
      }
    }

    public static Limits defaults() {
      return new Limits(DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_BATCH, 256L << 20, 1L << 30, 10_000, 4096L * 4096);
    }

    public Limits withMaxBodyBytes(long v) {
      return new Limits(v, maxBatch, maxUploadBytes, maxUnpackedBytes, maxZipEntries, maxImagePixels);
    }

    public Limits withMaxBatch(int v) {
      return new Limits(maxBodyBytes, v, maxUploadBytes, maxUnpackedBytes, maxZipEntries, maxImagePixels);
    }

    public Limits withUpload(long maxUpload, long maxUnpacked, int maxEntries) {
      return new Limits(maxBodyBytes, maxBatch, maxUpload, maxUnpacked, maxEntries, maxImagePixels);
    }
  }

  /**
   * Dynamic batching: concurrent requests to one signature of one version are merged into one session run.
   *
   * @param enabled off runs each request on its own
   * @param maxBatchSize most samples in a merged run (TF Serving's {@code max_batch_size})
   * @param maxDelayMicros how long the first request of a batch waits for company ({@code batch_timeout_micros});
   *     0 (the default) starts a batch as soon as the signature's previous one has finished, so a lone request is
   *     not delayed and, under load, the requests that arrived during a run make up the next one
   * @param maxQueuedRequests requests waiting per signature before new ones get 503
   * @param threads threads running merged batches, shared by all models
   */
  public record Batching(boolean enabled, int maxBatchSize, long maxDelayMicros, int maxQueuedRequests,
      int threads) {
    public Batching {
      positive("batching.maxBatchSize", maxBatchSize);
      if (maxDelayMicros < 0 || maxDelayMicros > 10_000_000) {
        throw new IllegalArgumentException("batching.maxDelayMicros must lie in [0, 10000000], found "
            + maxDelayMicros);
      }
      positive("batching.maxQueuedRequests", maxQueuedRequests);
      positive("batching.threads", threads);
    }

    public static Batching defaults() {
      return new Batching(true, 64, 0, 256, Math.max(2, Runtime.getRuntime().availableProcessors() / 2));
    }

    public static Batching off() {
      return defaults().withEnabled(false);
    }

    public Batching withEnabled(boolean v) {
      return new Batching(v, maxBatchSize, maxDelayMicros, maxQueuedRequests, threads);
    }

    public Batching with(int newMaxBatchSize, long newMaxDelayMicros, int newMaxQueued) {
      return new Batching(enabled, newMaxBatchSize, newMaxDelayMicros, newMaxQueued, threads);
    }
  }

  /**
   * The op allow-list applied to every SavedModel before TensorFlow loads it.
   *
   * @param enforce off loads any graph (only for models you trust completely)
   * @param extraAllowed op types allowed on top of the built-in list
   * @param denied op types refused even if listed
   */
  public record Ops(boolean enforce, List<String> extraAllowed, List<String> denied) {
    public Ops {
      extraAllowed = extraAllowed == null ? List.of() : List.copyOf(extraAllowed);
      denied = denied == null ? List.of() : List.copyOf(denied);
    }

    public static Ops defaults() {
      return new Ops(true, List.of(), List.of());
    }
  }

  /**
   * TensorFlow's thread pools for each loaded model's session ({@code ConfigProto}'s
   * {@code intra_op_parallelism_threads} and {@code inter_op_parallelism_threads}); 0 lets TensorFlow size them
   * from the cores.
   *
   * @param intraOp threads one op may use
   * @param interOp ops that may run at once
   */
  public record SessionThreads(int intraOp, int interOp) {
    public static final SessionThreads AUTO = new SessionThreads(0, 0);

    public SessionThreads {
      if (intraOp < 0 || interOp < 0) {
        throw new IllegalArgumentException("sessionThreads must not be negative (0 = TensorFlow's choice), found "
            + "intraOp " + intraOp + ", interOp " + interOp);
      }
    }
  }

  /**
   * TLS from PEM: the server's certificate chain and private key, and optionally the CAs whose client certificates
   * are accepted (mutual TLS). Validated on construction: both parts parse, the key belongs to the chain's first
   * certificate; a message names the file. Never prints key material.
   *
   * @param certificateChain the server certificate first, then any intermediates ({@code BEGIN CERTIFICATE})
   * @param privateKey its key: PKCS#8 {@code BEGIN PRIVATE KEY}, or {@code BEGIN RSA PRIVATE KEY} /
   *     {@code BEGIN EC PRIVATE KEY}; unencrypted
   * @param clientCa CA certificates that sign accepted client certificates; {@code null} for none
   * @param clientAuth whether clients must show a certificate; {@code null} means {@link ClientAuth#REQUIRE} with a
   *     {@code clientCa}, {@link ClientAuth#NONE} without
   * @param ports which ports speak TLS; {@code null} means {@link Ports#BOTH} (TF Serving secures gRPC only,
   *     {@code aebridge tfserving --ssl_config_file} asks for {@link Ports#GRPC})
   */
  public record Tls(Pem certificateChain, Pem privateKey, Pem clientCa, ClientAuth clientAuth, Ports ports) {
    /** Whether and how clients are asked for a certificate. */
    public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

    /** The ports TLS applies to. */
    public enum Ports { BOTH, HTTP, GRPC }

    /**
     * PEM text and where it came from (a file name, an environment variable, a proto field), for messages.
     * {@link #toString()} gives only the source.
     */
    public record Pem(String source, String text) {
      public Pem {
        if (source == null || text == null) {
          throw new IllegalArgumentException("a PEM part needs its source and text");
        }
      }

      /** Reads {@code file}; {@code field} names the setting in the message when it cannot be read. */
      public static Pem read(String field, Path file) {
        try {
          return new Pem(file.toString(), Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException | java.io.UncheckedIOException e) {
          throw new IllegalArgumentException(field + ": cannot read " + file + " (" + e.getClass().getSimpleName()
              + (e.getMessage() == null || e.getMessage().equals(file.toString()) ? "" : ": " + e.getMessage())
              + ")", e);
        }
      }

      @Override
      public String toString() {
        return source;
      }
    }

    public Tls {
      if (certificateChain == null || privateKey == null) {
        throw new IllegalArgumentException("tls needs both certificateChain and privateKey (PEM files), found "
            + (certificateChain == null ? "no certificateChain" : "certificateChain " + certificateChain)
            + " and " + (privateKey == null ? "no privateKey" : "privateKey " + privateKey));
      }
      clientAuth = clientAuth == null ? (clientCa == null ? ClientAuth.NONE : ClientAuth.REQUIRE) : clientAuth;
      if (clientAuth != ClientAuth.NONE && clientCa == null) {
        throw new IllegalArgumentException("tls.clientAuth " + clientAuth.name().toLowerCase(Locale.ROOT)
            + " needs tls.clientCa (the CA certificates that sign client certificates)");
      }
      ports = ports == null ? Ports.BOTH : ports;
      ServerTls.check(certificateChain, privateKey, clientCa);
    }

    /** TLS on the HTTP port. */
    public boolean http() {
      return ports != Ports.GRPC;
    }

    /** TLS on the gRPC port. */
    public boolean grpc() {
      return ports != Ports.HTTP;
    }

    /**
     * {@code base} with the parts that are not {@code null} replaced (files read now); {@code null} when neither
     * gives a certificate chain, key or client CA. {@code names} are the four settings' names for messages
     * (certificate chain, key, client CA, client auth: the flags or the environment variables).
     */
    public static Tls override(Tls base, Path certificateChain, Path privateKey, Path clientCa, String clientAuth,
        String[] names) {
      if (base == null && certificateChain == null && privateKey == null && clientCa == null) {
        if (clientAuth != null) {
          throw new IllegalArgumentException(names[3] + " needs TLS on (" + names[0] + ", " + names[1] + ")");
        }
        return null;
      }
      return new Tls(certificateChain != null ? Pem.read(names[0], certificateChain)
          : base == null ? null : base.certificateChain(),
          privateKey != null ? Pem.read(names[1], privateKey) : base == null ? null : base.privateKey(),
          clientCa != null ? Pem.read(names[2], clientCa) : base == null ? null : base.clientCa(),
          clientAuth != null ? clientAuth(names[3], clientAuth)
              : base == null || clientCa != null && base.clientCa() == null ? null : base.clientAuth(),
          base == null ? null : base.ports());
    }

    /** {@code none}, {@code optional} or {@code require} (any case). */
    public static ClientAuth clientAuth(String field, String text) {
      try {
        return ClientAuth.valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + " must be none, optional or require, found '" + text + "'", e);
      }
    }

    static Ports ports(String field, String text) {
      try {
        return Ports.valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(field + " must be both, http or grpc, found '" + text + "'", e);
      }
    }
  }

  /**
   * Settings of one model.
   *
   * @param versionPolicy its version policy, or {@code null} for the server's
   * @param labels TF Serving version labels: label → version
   * @param batching its batching, or {@code null} for the server's
   * @param basePath the folder holding its versions, or {@code null} for {@code <modelsRoot>/<name>}
   */
  public record ModelSettings(VersionPolicy versionPolicy, Map<String, Long> labels, Batching batching,
      Path basePath) {
    public ModelSettings(VersionPolicy versionPolicy, Map<String, Long> labels, Batching batching) {
      this(versionPolicy, labels, batching, null);
    }

    public ModelSettings {
      labels = labels == null ? Map.of() : Map.copyOf(labels);
      labels.forEach((label, version) -> {
        if (!LABEL_NAME.matcher(label).matches()) {
          throw new IllegalArgumentException("labels: '" + label + "' is not a label ([A-Za-z0-9_]+)");
        }
        if (version == null || version < 1) {
          throw new IllegalArgumentException("labels: '" + label + "' must name a positive version, found "
              + version);
        }
      });
    }
  }

  /** Mutable construction; {@link #build()} validates. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private Path modelsRoot;
    private Duration pollInterval = DEFAULT_POLL_INTERVAL;
    private Duration settleTime = DEFAULT_SETTLE_TIME;
    private VersionPolicy versionPolicy = VersionPolicy.latest();
    private Map<String, ModelSettings> models = new LinkedHashMap<>();
    private Limits limits = Limits.defaults();
    private Batching batching = Batching.defaults();
    private Ops ops = Ops.defaults();
    private String managementToken;
    private List<String> corsOrigins = List.of();
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration bodyTimeout = DEFAULT_BODY_TIMEOUT;
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private boolean warmup = true;
    private int grpcPort;
    private String metricsPath;
    private SessionThreads sessionThreads = SessionThreads.AUTO;
    private Tls tls;

    private Builder(Path modelsRoot) {
      this.modelsRoot = modelsRoot;
    }

    private Builder(ServerConfig c) {
      host = c.host;
      port = c.port;
      modelsRoot = c.modelsRoot;
      pollInterval = c.pollInterval;
      settleTime = c.settleTime;
      versionPolicy = c.versionPolicy;
      models = new LinkedHashMap<>(c.models);
      limits = c.limits;
      batching = c.batching;
      ops = c.ops;
      managementToken = c.managementToken;
      corsOrigins = c.corsOrigins;
      requestTimeout = c.requestTimeout;
      idleTimeout = c.idleTimeout;
      bodyTimeout = c.bodyTimeout;
      drainTimeout = c.drainTimeout;
      warmup = c.warmup;
      grpcPort = c.grpcPort;
      metricsPath = c.metricsPath;
      sessionThreads = c.sessionThreads;
      tls = c.tls;
    }

    public Builder host(String v) { host = v; return this; }
    public Builder port(int v) { port = v; return this; }
    public Builder modelsRoot(Path v) { modelsRoot = v; return this; }
    public Builder pollInterval(Duration v) { pollInterval = v; return this; }
    public Builder settleTime(Duration v) { settleTime = v; return this; }
    public Builder versionPolicy(VersionPolicy v) { versionPolicy = v; return this; }
    public Builder model(String name, ModelSettings v) { models.put(name, v); return this; }
    /** Replaces the whole model list ({@code null}: none). */
    public Builder models(Map<String, ModelSettings> v) {
      models = v == null ? new LinkedHashMap<>() : new LinkedHashMap<>(v);
      return this;
    }
    public Builder limits(Limits v) { limits = v; return this; }
    public Builder batching(Batching v) { batching = v; return this; }
    public Builder ops(Ops v) { ops = v; return this; }
    public Builder managementToken(String v) { managementToken = v; return this; }
    public Builder corsOrigins(List<String> v) { corsOrigins = v; return this; }
    public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
    public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
    public Builder bodyTimeout(Duration v) { bodyTimeout = v; return this; }
    public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }
    public Builder warmup(boolean v) { warmup = v; return this; }
    public Builder grpcPort(int v) { grpcPort = v; return this; }
    public Builder metricsPath(String v) { metricsPath = v; return this; }
    public Builder sessionThreads(SessionThreads v) { sessionThreads = v; return this; }
    public Builder tls(Tls v) { tls = v; return this; }

    /** The TLS settings so far ({@code null}: off), for overriding parts of them. */
    public Tls tls() {
      return tls;
    }

    public ServerConfig build() {
      return new ServerConfig(host, port, modelsRoot, pollInterval, settleTime, versionPolicy, models, limits,
          batching, ops, managementToken, corsOrigins, requestTimeout, idleTimeout, bodyTimeout, drainTimeout,
          warmup, grpcPort, metricsPath, sessionThreads, tls);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading from a file and the environment

  /**
   * Reads a config file: YAML when the name ends in {@code .yaml}/{@code .yml}, JSON otherwise. Relative paths in
   * it ({@code modelsRoot}, {@code managementTokenFile}) are resolved against the working directory.
   */
  public static ServerConfig load(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
    String text = Files.readString(file);
    try {
      return text.isBlank() ? read(null) : read((yaml ? YAML : JSON).readValue(text, FileForm.class));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(file + ": " + explain(e, yaml ? "YAML" : "JSON"), e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Parses a config from JSON text (every field optional; {@code modelsRoot} defaults to {@code saved-models}). */
  public static ServerConfig fromJson(String json) {
    try {
      return json == null || json.isBlank() ? read(null) : read(JSON.readValue(json, FileForm.class));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(explain(e, "JSON"), e);
    }
  }

  // The file's shape, filled by Jackson databind: every field optional (null keeps the default), unknown fields and
  // values of the wrong JSON type refused; the records above validate what the forms hand them.

  private static final ObjectMapper JSON = configure(JsonMapper.builder());
  private static final ObjectMapper YAML = configure(YAMLMapper.builder());

  private static <M extends ObjectMapper, B extends MapperBuilder<M, B>> M configure(B builder) {
    SimpleModule module = new SimpleModule();
    module.addDeserializer(Duration.class, new DurationText());
    module.addDeserializer(VersionPolicy.class, new PolicyText());
    return builder
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
            DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        // "port": "80" or "warmup": "yes" is a mistake to name, not a value to guess.
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .addModule(module)
        .build();
  }

  record FileForm(String host, Integer port, String modelsRoot, Duration pollInterval, Duration settleTime,
      VersionPolicy versionPolicy, Map<String, ModelForm> models, LimitsForm limits, BatchingForm batching,
      OpsForm ops, String managementToken, String managementTokenFile, List<String> corsOrigins,
      Duration requestTimeout, Duration idleTimeout, Duration bodyTimeout, Duration drainTimeout, Boolean warmup,
      Integer grpcPort, String metricsPath, SessionThreadsForm sessionThreads, TlsForm tls) {}

  record TlsForm(String certificateChain, String privateKey, String clientCa, String clientAuth, String ports) {
    Tls tls() {
      if (certificateChain == null || privateKey == null) {
        throw new IllegalArgumentException("tls needs both certificateChain and privateKey (PEM files)");
      }
      return new Tls(Tls.Pem.read("tls.certificateChain", Path.of(certificateChain)),
          Tls.Pem.read("tls.privateKey", Path.of(privateKey)),
          clientCa == null ? null : Tls.Pem.read("tls.clientCa", Path.of(clientCa)),
          clientAuth == null ? null : Tls.clientAuth("tls.clientAuth", clientAuth),
          ports == null ? null : Tls.ports("tls.ports", ports));
    }
  }

  record SessionThreadsForm(Integer intraOp, Integer interOp) {}

  record LimitsForm(SizeText maxBodyBytes, Integer maxBatch, SizeText maxUploadBytes, SizeText maxUnpackedBytes,
      Integer maxZipEntries, Long maxImagePixels) {
    Limits limits() {
      Limits d = Limits.defaults();
      return new Limits(size(maxBodyBytes, d.maxBodyBytes()), or(maxBatch, d.maxBatch()),
          size(maxUploadBytes, d.maxUploadBytes()), size(maxUnpackedBytes, d.maxUnpackedBytes()),
          or(maxZipEntries, d.maxZipEntries()), or(maxImagePixels, d.maxImagePixels()));
    }
  }

  record BatchingForm(Boolean enabled, Integer maxBatchSize, Long maxDelayMicros, Integer maxQueuedRequests,
      Integer threads) {
    /** These settings over {@code d} (a model's batching inherits what it does not say from the server's). */
    Batching over(Batching d) {
      return new Batching(or(enabled, d.enabled()), or(maxBatchSize, d.maxBatchSize()),
          or(maxDelayMicros, d.maxDelayMicros()), or(maxQueuedRequests, d.maxQueuedRequests()),
          or(threads, d.threads()));
    }
  }

  record OpsForm(Boolean enforce, List<String> extraAllowed, List<String> denied) {}

  record ModelForm(VersionPolicy versionPolicy, Map<String, Long> labels, BatchingForm batching, String basePath) {}

  /** A byte count written as a number or as text with a unit ({@code "64MiB"}). */
  record SizeText(long bytes) {
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static SizeText of(Object value) {
      if (value instanceof Integer || value instanceof Long) {
        return new SizeText(((Number) value).longValue());
      }
      if (value instanceof String t) {
        return new SizeText(parseSize("", t));
      }
      throw new IllegalArgumentException("must be a size (bytes or \"64MiB\"), found " + value);
    }
  }

  private static long size(SizeText v, long fallback) {
    return v == null ? fallback : v.bytes();
  }

  private static <T> T or(T v, T fallback) {
    return v == null ? fallback : v;
  }

  private static ServerConfig read(FileForm f) {
    if (f == null) {
      return defaults(Path.of("saved-models"));
    }
    Builder b = builder(Path.of(or(f.modelsRoot(), "saved-models")));
    b.host(or(f.host(), DEFAULT_HOST));
    b.port(or(f.port(), DEFAULT_PORT));
    b.pollInterval(or(f.pollInterval(), DEFAULT_POLL_INTERVAL));
    b.settleTime(or(f.settleTime(), DEFAULT_SETTLE_TIME));
    b.versionPolicy(or(f.versionPolicy(), VersionPolicy.latest()));
    if (f.limits() != null) {
      b.limits(f.limits().limits());
    }
    Batching serverBatching = f.batching() == null ? Batching.defaults()
        : f.batching().over(Batching.defaults());
    b.batching(serverBatching);
    if (f.ops() != null) {
      b.ops(new Ops(or(f.ops().enforce(), Ops.defaults().enforce()), or(f.ops().extraAllowed(), List.of()),
          or(f.ops().denied(), List.of())));
    }
    if (f.models() != null) {
      f.models().forEach((name, m) -> {
        ModelForm form = m == null ? new ModelForm(null, null, null, null) : m;
        b.model(name, new ModelSettings(form.versionPolicy(), or(form.labels(), Map.of()),
            form.batching() == null ? null : form.batching().over(serverBatching),
            form.basePath() == null ? null : Path.of(form.basePath())));
      });
    }
    if (f.managementToken() != null && f.managementTokenFile() != null) {
      throw new IllegalArgumentException("give managementToken or managementTokenFile, not both");
    }
    b.managementToken(f.managementToken());
    if (f.managementTokenFile() != null) {
      Path file = Path.of(f.managementTokenFile());
      try {
        b.managementToken(Files.readString(file).strip());
      } catch (IOException e) {
        throw new IllegalArgumentException("managementTokenFile: cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    b.corsOrigins(or(f.corsOrigins(), List.of()));
    b.requestTimeout(or(f.requestTimeout(), DEFAULT_REQUEST_TIMEOUT));
    b.idleTimeout(or(f.idleTimeout(), DEFAULT_IDLE_TIMEOUT));
    b.bodyTimeout(or(f.bodyTimeout(), DEFAULT_BODY_TIMEOUT));
    b.drainTimeout(or(f.drainTimeout(), DEFAULT_DRAIN_TIMEOUT));
    b.warmup(or(f.warmup(), true));
    b.grpcPort(or(f.grpcPort(), DEFAULT_GRPC_PORT));
    b.metricsPath(f.metricsPath());
    if (f.sessionThreads() != null) {
      b.sessionThreads(new SessionThreads(or(f.sessionThreads().intraOp(), 0), or(f.sessionThreads().interOp(), 0)));
    }
    if (f.tls() != null) {
      b.tls(f.tls().tls());
    }
    return b.build();
  }

  /** Jackson's account of a bad file as one sentence naming the field: what was expected, what was found. */
  private static String explain(JsonProcessingException e, String format) {
    if (e instanceof UnrecognizedPropertyException u) {
      String at = JsonPaths.of(u.getPath().subList(0, u.getPath().size() - 1));
      TreeSet<String> known = new TreeSet<>();
      u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
      return "unknown field [" + (at.isEmpty() ? "" : at + ".") + u.getPropertyName() + "]; known: " + known;
    }
    if (e instanceof JsonMappingException m) {
      String at = JsonPaths.of(m.getPath());
      for (Throwable c = m.getCause(); c != null; c = c.getCause()) {
        if (c instanceof IllegalArgumentException bad) {
          String msg = bad.getMessage().strip();
          return at.isEmpty() || msg.startsWith(at) ? msg : at + (msg.startsWith("must ") ? " " : ": ") + msg;
        }
      }
      if (!(e instanceof JsonParseException)) {
        return (at.isEmpty() ? "the config" : at) + ": " + m.getOriginalMessage().replaceAll("\\s*\\(for [^)]*\\)", "")
            .replaceAll("\\s*\\n.*", "");
      }
    }
    var where = e.getLocation();
    return "not valid " + format + (where == null ? "" : " at line " + where.getLineNr() + ", column "
        + where.getColumnNr()) + ": " + e.getOriginalMessage();
  }

  /** Where the parser is, as {@code models.m.versionPolicy}. */
  private static String dotted(JsonParser p) {
    java.util.ArrayDeque<String> names = new java.util.ArrayDeque<>();
    for (com.fasterxml.jackson.core.JsonStreamContext c = p.getParsingContext(); c != null; c = c.getParent()) {
      if (c.getCurrentName() != null) {
        names.addFirst(c.getCurrentName());
      }
    }
    return String.join(".", names);
  }

  /** {@code "2s"}, {@code "500ms"}, … or a number of milliseconds. */
  private static final class DurationText extends StdDeserializer<Duration> {
    DurationText() {
      super(Duration.class);
    }

    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String field = dotted(p);
      if (p.currentToken().isNumeric()) {
        return Duration.ofNanos((long) (p.getDoubleValue() * 1e6));
      }
      if (p.currentToken() == JsonToken.VALUE_STRING) {
        return parseDuration(field, p.getText());
      }
      throw new IllegalArgumentException(field + " must be a duration (\"2s\", \"500ms\" or milliseconds), found "
          + ctxt.readTree(p));
    }
  }

  /** TF Serving's version policy: {@code "latest:2"} or {@code {"latest": {"num_versions": 2}}} and the like. */
  private static final class PolicyText extends StdDeserializer<VersionPolicy> {
    PolicyText() {
      super(VersionPolicy.class);
    }

    @Override
    public VersionPolicy deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      return versionPolicy(dotted(p), ctxt.readTree(p));
    }
  }

  /**
   * This config with {@code AEBRIDGE_*} variables of {@code env} applied: {@code AEBRIDGE_HOST},
   * {@code AEBRIDGE_PORT}, {@code AEBRIDGE_GRPC_PORT}, {@code AEBRIDGE_MODELS}, {@code AEBRIDGE_POLL_INTERVAL}, {@code AEBRIDGE_VERSION_POLICY},
   * {@code AEBRIDGE_TOKEN}, {@code AEBRIDGE_MAX_BODY_BYTES}, {@code AEBRIDGE_MAX_BATCH}, {@code AEBRIDGE_BATCHING}
   * (on/off), {@code AEBRIDGE_BATCH_MAX_SIZE}, {@code AEBRIDGE_BATCH_DELAY_MICROS}, {@code AEBRIDGE_BATCH_QUEUE},
   * {@code AEBRIDGE_REQUEST_TIMEOUT}, {@code AEBRIDGE_CORS_ORIGINS} (comma-separated), {@code AEBRIDGE_OPS_ENFORCE},
   * {@code AEBRIDGE_TLS_CERT}, {@code AEBRIDGE_TLS_KEY}, {@code AEBRIDGE_TLS_CLIENT_CA} (PEM files) and
   * {@code AEBRIDGE_TLS_CLIENT_AUTH} (none/optional/require).
   */
  public ServerConfig withEnvironment(Map<String, String> env) {
    Builder b = toBuilder();
    try {
      ifSet(env, "AEBRIDGE_HOST", b::host);
      ifSet(env, "AEBRIDGE_PORT", v -> b.port(Integer.parseInt(v)));
      ifSet(env, "AEBRIDGE_GRPC_PORT", v -> b.grpcPort(Integer.parseInt(v)));
      ifSet(env, "AEBRIDGE_MODELS", v -> b.modelsRoot(Path.of(v)));
      ifSet(env, "AEBRIDGE_POLL_INTERVAL", v -> b.pollInterval(parseDuration("AEBRIDGE_POLL_INTERVAL", v)));
      ifSet(env, "AEBRIDGE_VERSION_POLICY", v -> b.versionPolicy(VersionPolicy.parse(v)));
      ifSet(env, "AEBRIDGE_TOKEN", b::managementToken);
      ifSet(env, "AEBRIDGE_MAX_BODY_BYTES",
          v -> b.limits(b.limits.withMaxBodyBytes(parseSize("AEBRIDGE_MAX_BODY_BYTES", v))));
      ifSet(env, "AEBRIDGE_MAX_BATCH", v -> b.limits(b.limits.withMaxBatch(Integer.parseInt(v))));
      ifSet(env, "AEBRIDGE_BATCHING", v -> b.batching(b.batching.withEnabled(parseBool("AEBRIDGE_BATCHING", v))));
      ifSet(env, "AEBRIDGE_BATCH_MAX_SIZE", v -> b.batching(b.batching.with(Integer.parseInt(v),
          b.batching.maxDelayMicros(), b.batching.maxQueuedRequests())));
      ifSet(env, "AEBRIDGE_BATCH_DELAY_MICROS", v -> b.batching(b.batching.with(b.batching.maxBatchSize(),
          Long.parseLong(v), b.batching.maxQueuedRequests())));
      ifSet(env, "AEBRIDGE_BATCH_QUEUE", v -> b.batching(b.batching.with(b.batching.maxBatchSize(),
          b.batching.maxDelayMicros(), Integer.parseInt(v))));
      ifSet(env, "AEBRIDGE_REQUEST_TIMEOUT", v -> b.requestTimeout(parseDuration("AEBRIDGE_REQUEST_TIMEOUT", v)));
      ifSet(env, "AEBRIDGE_CORS_ORIGINS", v -> b.corsOrigins(Arrays.stream(v.split(","))
          .map(String::trim).filter(s -> !s.isEmpty()).toList()));
      ifSet(env, "AEBRIDGE_OPS_ENFORCE", v -> b.ops(new Ops(parseBool("AEBRIDGE_OPS_ENFORCE", v),
          b.ops.extraAllowed(), b.ops.denied())));
      b.tls(Tls.override(b.tls, path(env, "AEBRIDGE_TLS_CERT"), path(env, "AEBRIDGE_TLS_KEY"),
          path(env, "AEBRIDGE_TLS_CLIENT_CA"), blankless(env.get("AEBRIDGE_TLS_CLIENT_AUTH")),
          new String[] {"AEBRIDGE_TLS_CERT", "AEBRIDGE_TLS_KEY", "AEBRIDGE_TLS_CLIENT_CA",
              "AEBRIDGE_TLS_CLIENT_AUTH"}));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("environment: a number was expected: " + e.getMessage(), e);
    }
    return b.build();
  }

  private static Path path(Map<String, String> env, String key) {
    String v = blankless(env.get(key));
    return v == null ? null : Path.of(v);
  }

  private static String blankless(String v) {
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static void ifSet(Map<String, String> env, String key, java.util.function.Consumer<String> apply) {
    String v = env.get(key);
    if (v != null && !v.isBlank()) {
      try {
        apply.accept(v.trim());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(key + "=" + (key.equals("AEBRIDGE_TOKEN") ? "…" : v) + ": "
            + e.getMessage(), e);
      }
    }
  }

  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|µs|ms|s|m|h)?");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib)?");

  /** {@code "2s"}, {@code "500ms"}, {@code "250us"}, {@code "1m"}, {@code "1h"}, or a number of milliseconds. */
  static Duration parseDuration(String field, String text) {
    Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(field + " must be a duration like 2s, 500ms or 1m, found '" + text + "'");
    }
    double v = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "ms" : m.group(2);
    double nanos = switch (unit) {
      case "us", "µs" -> v * 1e3;
      case "ms" -> v * 1e6;
      case "s" -> v * 1e9;
      case "m" -> v * 60e9;
      default -> v * 3600e9;
    };
    return Duration.ofNanos((long) nanos);
  }

  /** A byte count: a number, or with a unit {@code KB/KiB/MB/MiB/GB/GiB}. */
  static long parseSize(String field, String text) {
    Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
    if (!m.matches()) {
      throw new IllegalArgumentException(field + " must be a size like 1048576, 64MiB or 1GB, found '" + text + "'");
    }
    long v = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "b" : m.group(2);
    long factor = switch (unit) {
      case "kb" -> 1000L;
      case "kib" -> 1L << 10;
      case "mb" -> 1000_000L;
      case "mib" -> 1L << 20;
      case "gb" -> 1000_000_000L;
      case "gib" -> 1L << 30;
      default -> 1L;
    };
    return Math.multiplyExact(v, factor);
  }

  private static boolean parseBool(String field, String v) {
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true", "on", "yes", "1" -> true;
      case "false", "off", "no", "0" -> false;
      default -> throw new IllegalArgumentException(field + " must be on/off or true/false, found '" + v + "'");
    };
  }

  private static VersionPolicy versionPolicy(String field, JsonNode n) {
    try {
      if (n.isTextual()) {
        return VersionPolicy.parse(n.asText());
      }
      if (n.isObject() && n.size() == 1) {
        // TF Serving's shape: {"latest": {"num_versions": 2}}, {"all": {}}, {"specific": {"versions": [1, 2]}}
        String kind = n.fieldNames().next();
        JsonNode body = n.get(kind);
        switch (kind) {
          case "latest":
            JsonNode count = body.has("numVersions") ? body.get("numVersions") : body.get("num_versions");
            return VersionPolicy.latest(count == null ? 1 : count.asInt());
          case "all":
            return VersionPolicy.all();
          case "specific":
            JsonNode vs = body.get("versions");
            if (vs == null || !vs.isArray()) {
              break;
            }
            long[] versions = new long[vs.size()];
            for (int i = 0; i < versions.length; i++) {
              versions[i] = vs.get(i).asLong();
            }
            return VersionPolicy.specific(versions);
          default:
            break;
        }
      }
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException(field + " must be \"latest\", \"latest:N\", \"all\", \"specific:1,2\" or "
        + "{\"specific\": {\"versions\": [1, 2]}}, found " + n);
  }

  private static void positive(String field, long value) {
    if (value <= 0) {
      throw new IllegalArgumentException(field + " must be positive, found " + value);
    }
  }

  private static Duration nonNegative(String field, Duration d, Duration fallback) {
    if (d == null) {
      return fallback;
    }
    if (d.isNegative()) {
      throw new IllegalArgumentException(field + " must not be negative, found " + d);
    }
    return d;
  }

  private static Duration positive(String field, Duration d, Duration fallback) {
    if (d == null) {
      return fallback;
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(field + " must be positive, found " + d);
    }
    return d;
  }
}
