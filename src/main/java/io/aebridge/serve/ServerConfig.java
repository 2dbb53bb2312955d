package io.aebridge.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
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
 * optional), then {@link #withEnvironment(Map)} applies {@code AEBRIDGE_*} overrides. Durations are written
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
 * @param drainTimeout how long a graceful stop waits for in-flight requests
 * @param warmup whether each new version runs every signature once on zeros before it is served
 * @param grpcPort the gRPC port (TF Serving's PredictionService, KServe V2) on the same address; 0 turns gRPC off,
 *     -1 picks a free port. {@link #defaults}, {@link #load} and the serve command use 8500 (TF Serving's);
 *     {@link #builder} leaves it off, so an embedded server opens one port unless told
 * @param metricsPath a second path serving {@code /metrics} (TF Serving's {@code --monitoring_config_file} names
 *     one); {@code null} for none
 * @param sessionThreads TensorFlow's thread pools of each loaded model
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
    Duration drainTimeout,
    boolean warmup,
    int grpcPort,
    String metricsPath,
    SessionThreads sessionThreads) {

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
        + requestTimeout + ", idleTimeout=" + idleTimeout + ", drainTimeout=" + drainTimeout + ", warmup="
        + warmup + ", grpcPort=" + grpcPort + ", metricsPath=" + metricsPath + ", sessionThreads=" + sessionThreads + "]";
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
    private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
    private boolean warmup = true;
    private int grpcPort;
    private String metricsPath;
    private SessionThreads sessionThreads = SessionThreads.AUTO;

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
      drainTimeout = c.drainTimeout;
      warmup = c.warmup;
      grpcPort = c.grpcPort;
      metricsPath = c.metricsPath;
      sessionThreads = c.sessionThreads;
    }

    public Builder host(String v) { host = v; return this; }
    public Builder port(int v) { port = v; return this; }
    public Builder modelsRoot(Path v) { modelsRoot = v; return this; }
    public Builder pollInterval(Duration v) { pollInterval = v; return this; }
    public Builder settleTime(Duration v) { settleTime = v; return this; }
    public Builder versionPolicy(VersionPolicy v) { versionPolicy = v; return this; }
    public Builder model(String name, ModelSettings v) { models.put(name, v); return this; }
    public Builder limits(Limits v) { limits = v; return this; }
    public Builder batching(Batching v) { batching = v; return this; }
    public Builder ops(Ops v) { ops = v; return this; }
    public Builder managementToken(String v) { managementToken = v; return this; }
    public Builder corsOrigins(List<String> v) { corsOrigins = v; return this; }
    public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
    public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
    public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }
    public Builder warmup(boolean v) { warmup = v; return this; }
    public Builder grpcPort(int v) { grpcPort = v; return this; }
    public Builder metricsPath(String v) { metricsPath = v; return this; }
    public Builder sessionThreads(SessionThreads v) { sessionThreads = v; return this; }

    public ServerConfig build() {
      return new ServerConfig(host, port, modelsRoot, pollInterval, settleTime, versionPolicy, models, limits,
          batching, ops, managementToken, corsOrigins, requestTimeout, idleTimeout, drainTimeout, warmup,
          grpcPort, metricsPath, sessionThreads);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reading from a file and the environment

  private static final Set<String> TOP_FIELDS = Set.of("host", "port", "modelsRoot", "pollInterval", "settleTime",
      "versionPolicy", "models", "limits", "batching", "ops", "managementToken", "managementTokenFile",
      "corsOrigins", "requestTimeout", "idleTimeout", "drainTimeout", "warmup", "grpcPort", "metricsPath",
      "sessionThreads");
  private static final Set<String> LIMIT_FIELDS = Set.of("maxBodyBytes", "maxBatch", "maxUploadBytes",
      "maxUnpackedBytes", "maxZipEntries", "maxImagePixels");
  private static final Set<String> BATCHING_FIELDS = Set.of("enabled", "maxBatchSize", "maxDelayMicros",
      "maxQueuedRequests", "threads");
  private static final Set<String> OPS_FIELDS = Set.of("enforce", "extraAllowed", "denied");
  private static final Set<String> MODEL_FIELDS = Set.of("versionPolicy", "labels", "batching", "basePath");
  private static final Set<String> THREAD_FIELDS = Set.of("intraOp", "interOp");

  /**
   * Reads a config file: YAML when the name ends in {@code .yaml}/{@code .yml}, JSON otherwise. Relative paths in
   * it ({@code modelsRoot}, {@code managementTokenFile}) are resolved against the working directory.
   */
  public static ServerConfig load(Path file) throws IOException {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? new YAMLMapper() : new ObjectMapper();
    JsonNode root;
    try {
      root = mapper.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      var where = e.getLocation();
      throw new IllegalArgumentException(file + ": not valid " + (mapper instanceof YAMLMapper ? "YAML" : "JSON")
          + (where == null ? "" : " at line " + where.getLineNr() + ", column " + where.getColumnNr()) + ": "
          + e.getOriginalMessage(), e);
    }
    try {
      return fromTree(root);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }

  /** Parses a config from JSON text (every field optional; {@code modelsRoot} defaults to {@code saved-models}). */
  public static ServerConfig fromJson(String json) {
    try {
      return fromTree(new ObjectMapper().readTree(json));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static ServerConfig fromTree(JsonNode root) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      return defaults(Path.of("saved-models"));
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException("the config must be an object, found " + root.getNodeType());
    }
    checkFields("", root, TOP_FIELDS);
    Builder b = builder(Path.of(text(root, "modelsRoot", "saved-models")));
    if (root.has("host")) {
      b.host(text(root, "host", DEFAULT_HOST));
    }
    if (root.has("port")) {
      b.port(integer(root, "port"));
    }
    if (root.has("pollInterval")) {
      b.pollInterval(duration("pollInterval", root.get("pollInterval")));
    }
    if (root.has("settleTime")) {
      b.settleTime(duration("settleTime", root.get("settleTime")));
    }
    if (root.has("versionPolicy")) {
      b.versionPolicy(versionPolicy("versionPolicy", root.get("versionPolicy")));
    }
    if (root.has("limits")) {
      b.limits(limits(root.get("limits")));
    }
    Batching serverBatching = root.has("batching")
        ? batching("batching", root.get("batching"), Batching.defaults()) : Batching.defaults();
    b.batching(serverBatching);
    if (root.has("ops")) {
      JsonNode o = object("ops", root.get("ops"));
      checkFields("ops.", o, OPS_FIELDS);
      Ops d = Ops.defaults();
      b.ops(new Ops(o.has("enforce") ? bool(o, "enforce", "ops.") : d.enforce(), strings("ops.extraAllowed",
          o.get("extraAllowed")), strings("ops.denied", o.get("denied"))));
    }
    if (root.has("models")) {
      JsonNode m = object("models", root.get("models"));
      for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        String p = "models." + e.getKey() + ".";
        JsonNode s = object(p, e.getValue());
        checkFields(p, s, MODEL_FIELDS);
        Map<String, Long> labels = new LinkedHashMap<>();
        if (s.has("labels")) {
          JsonNode l = object(p + "labels", s.get("labels"));
          l.fields().forEachRemaining(x -> {
            if (!x.getValue().canConvertToLong()) {
              throw new IllegalArgumentException(p + "labels." + x.getKey() + " must be a version number, found "
                  + x.getValue());
            }
            labels.put(x.getKey(), x.getValue().asLong());
          });
        }
        b.model(e.getKey(), new ModelSettings(
            s.has("versionPolicy") ? versionPolicy(p + "versionPolicy", s.get("versionPolicy")) : null, labels,
            s.has("batching") ? batching(p + "batching", s.get("batching"), serverBatching) : null,
            s.has("basePath") ? Path.of(text(s, "basePath", "")) : null));
      }
    }
    if (root.has("managementToken") && root.has("managementTokenFile")) {
      throw new IllegalArgumentException("give managementToken or managementTokenFile, not both");
    }
    if (root.has("managementToken")) {
      b.managementToken(text(root, "managementToken", null));
    }
    if (root.has("managementTokenFile")) {
      Path f = Path.of(text(root, "managementTokenFile", ""));
      try {
        b.managementToken(Files.readString(f).strip());
      } catch (IOException e) {
        throw new IllegalArgumentException("managementTokenFile: cannot read " + f + ": " + e.getMessage(), e);
      }
    }
    if (root.has("corsOrigins")) {
      b.corsOrigins(strings("corsOrigins", root.get("corsOrigins")));
    }
    if (root.has("requestTimeout")) {
      b.requestTimeout(duration("requestTimeout", root.get("requestTimeout")));
    }
    if (root.has("idleTimeout")) {
      b.idleTimeout(duration("idleTimeout", root.get("idleTimeout")));
    }
    if (root.has("drainTimeout")) {
      b.drainTimeout(duration("drainTimeout", root.get("drainTimeout")));
    }
    if (root.has("warmup")) {
      b.warmup(bool(root, "warmup", ""));
    }
    b.grpcPort(root.has("grpcPort") ? integer(root, "grpcPort") : DEFAULT_GRPC_PORT);
    if (root.has("metricsPath")) {
      b.metricsPath(text(root, "metricsPath", null));
    }
    if (root.has("sessionThreads")) {
      JsonNode t = object("sessionThreads", root.get("sessionThreads"));
      checkFields("sessionThreads.", t, THREAD_FIELDS);
      b.sessionThreads(new SessionThreads(t.has("intraOp") ? (int) number("sessionThreads.intraOp", t.get("intraOp"))
          : 0, t.has("interOp") ? (int) number("sessionThreads.interOp", t.get("interOp")) : 0));
    }
    return b.build();
  }

  /**
   * This config with {@code AEBRIDGE_*} variables of {@code env} applied: {@code AEBRIDGE_HOST},
   * {@code AEBRIDGE_PORT}, {@code AEBRIDGE_GRPC_PORT}, {@code AEBRIDGE_MODELS}, {@code AEBRIDGE_POLL_INTERVAL}, {@code AEBRIDGE_VERSION_POLICY},
   * {@code AEBRIDGE_TOKEN}, {@code AEBRIDGE_MAX_BODY_BYTES}, {@code AEBRIDGE_MAX_BATCH}, {@code AEBRIDGE_BATCHING}
   * (on/off), {@code AEBRIDGE_BATCH_MAX_SIZE}, {@code AEBRIDGE_BATCH_DELAY_MICROS}, {@code AEBRIDGE_BATCH_QUEUE},
   * {@code AEBRIDGE_REQUEST_TIMEOUT}, {@code AEBRIDGE_CORS_ORIGINS} (comma-separated), {@code AEBRIDGE_OPS_ENFORCE}.
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
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("environment: a number was expected: " + e.getMessage(), e);
    }
    return b.build();
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

  private static void checkFields(String prefix, JsonNode node, Set<String> known) {
    List<String> unknown = new ArrayList<>();
    node.fieldNames().forEachRemaining(f -> {
      if (!known.contains(f)) {
        unknown.add(f);
      }
    });
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException("unknown field" + (unknown.size() > 1 ? "s " : " ") + unknown.stream()
          .map(u -> prefix + u).toList() + "; known: " + new TreeSet<>(known));
    }
  }

  private static JsonNode object(String field, JsonNode n) {
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(field + " must be an object, found " + (n == null ? "nothing"
          : n.getNodeType()));
    }
    return n;
  }

  private static String text(JsonNode parent, String field, String fallback) {
    JsonNode n = parent.get(field);
    if (n == null || n.isNull()) {
      return fallback;
    }
    if (!n.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string, found " + n);
    }
    return n.asText();
  }

  private static int integer(JsonNode parent, String field) {
    JsonNode n = parent.get(field);
    if (!n.canConvertToInt() || !n.isIntegralNumber()) {
      throw new IllegalArgumentException(field + " must be an integer, found " + n);
    }
    return n.asInt();
  }

  private static boolean bool(JsonNode parent, String field, String prefix) {
    JsonNode n = parent.get(field);
    if (!n.isBoolean()) {
      throw new IllegalArgumentException(prefix + field + " must be true or false, found " + n);
    }
    return n.asBoolean();
  }

  private static long size(String field, JsonNode n) {
    if (n.isIntegralNumber()) {
      return n.asLong();
    }
    if (n.isTextual()) {
      return parseSize(field, n.asText());
    }
    throw new IllegalArgumentException(field + " must be a size (bytes or \"64MiB\"), found " + n);
  }

  private static long number(String field, JsonNode n) {
    if (!n.isIntegralNumber()) {
      throw new IllegalArgumentException(field + " must be an integer, found " + n);
    }
    return n.asLong();
  }

  private static Duration duration(String field, JsonNode n) {
    if (n.isNumber()) {
      return Duration.ofNanos((long) (n.asDouble() * 1e6));
    }
    if (n.isTextual()) {
      return parseDuration(field, n.asText());
    }
    throw new IllegalArgumentException(field + " must be a duration (\"2s\", \"500ms\" or milliseconds), found " + n);
  }

  private static List<String> strings(String field, JsonNode n) {
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (!n.isArray()) {
      throw new IllegalArgumentException(field + " must be a list of strings, found " + n.getNodeType());
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : n) {
      if (!e.isTextual()) {
        throw new IllegalArgumentException(field + " must be a list of strings, found " + e);
      }
      out.add(e.asText());
    }
    return out;
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

  private static Limits limits(JsonNode n) {
    object("limits", n);
    checkFields("limits.", n, LIMIT_FIELDS);
    Limits d = Limits.defaults();
    return new Limits(
        n.has("maxBodyBytes") ? size("limits.maxBodyBytes", n.get("maxBodyBytes")) : d.maxBodyBytes(),
        n.has("maxBatch") ? (int) number("limits.maxBatch", n.get("maxBatch")) : d.maxBatch(),
        n.has("maxUploadBytes") ? size("limits.maxUploadBytes", n.get("maxUploadBytes")) : d.maxUploadBytes(),
        n.has("maxUnpackedBytes") ? size("limits.maxUnpackedBytes", n.get("maxUnpackedBytes"))
            : d.maxUnpackedBytes(),
        n.has("maxZipEntries") ? (int) number("limits.maxZipEntries", n.get("maxZipEntries")) : d.maxZipEntries(),
        n.has("maxImagePixels") ? number("limits.maxImagePixels", n.get("maxImagePixels")) : d.maxImagePixels());
  }

  private static Batching batching(String field, JsonNode n, Batching d) {
    object(field, n);
    checkFields(field + ".", n, BATCHING_FIELDS);
    return new Batching(
        n.has("enabled") ? bool(n, "enabled", field + ".") : d.enabled(),
        n.has("maxBatchSize") ? (int) number(field + ".maxBatchSize", n.get("maxBatchSize")) : d.maxBatchSize(),
        n.has("maxDelayMicros") ? number(field + ".maxDelayMicros", n.get("maxDelayMicros")) : d.maxDelayMicros(),
        n.has("maxQueuedRequests") ? (int) number(field + ".maxQueuedRequests", n.get("maxQueuedRequests"))
            : d.maxQueuedRequests(),
        n.has("threads") ? (int) number(field + ".threads", n.get("threads")) : d.threads());
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
