package io.aebridge.serve.http;

import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.ModelLoadException;
import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.Services;
import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.repository.OpPolicy;
import io.aebridge.serve.repository.VersionStatus;
import io.javalin.http.Context;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The management API: the Open Inference Protocol's model repository extension ({@code index}, {@code load},
 * {@code unload}) and uploading a zipped SavedModel as a new version. Off unless a token is configured; then every
 * call but {@code index} needs {@code Authorization: Bearer <token>} (compared in constant time; never logged).
 * Uploads are checked for path traversal (zip-slip), size, entry count and the op allow-list, and load-tested
 * before they are moved into place in one rename.
 */
public final class ManagementApi {
  private static final Logger LOG = LoggerFactory.getLogger(ManagementApi.class);
  static final String UPLOAD_PREFIX = ModelLayout.TEMP_PREFIX + "upload-";
  private static final Duration STALE_UPLOAD = Duration.ofHours(1);

  private final Services s;
  private final byte[] tokenDigest;

  public ManagementApi(Services services) {
    this.s = services;
    String token = services.config().managementToken();
    this.tokenDigest = token == null ? null : sha256(token);
  }

  public void register(Routes r) {
    r.post("/v2/repository/index").tag("management").summary("Every model version with its state (read-only, "
        + "no token needed)").response("RepositoryIndex").handle(this::index);
    r.post("/v2/repository/models/{m}/load").tag("management").management()
        .summary("Serve a model again after unload, loading what its folder holds now").response("Empty")
        .handle(this::load);
    r.post("/v2/repository/models/{m}/unload").tag("management").management()
        .summary("Stop serving a model (its files stay; polling leaves it unloaded)").response("Empty")
        .handle(this::unload);
    r.post("/v1/management/models/{m}/versions").tag("management").management()
        .summary("Upload a zipped SavedModel as the model's next version (or ?version=N)")
        .description("The zip holds saved_model.pb and variables/ at its top or inside one folder. Checked for "
            + "zip-slip, size (limits.maxUploadBytes, limits.maxUnpackedBytes, limits.maxZipEntries) and the op "
            + "allow-list, load-tested, then renamed into place.")
        .request("ZipArchive", "application/zip").response("UploadResponse").handle(this::upload);
  }

  private void authorize(Context ctx) {
    if (tokenDigest == null) {
      throw new ServingException(ErrorCode.PERMISSION_DENIED, "The management API is disabled: configure "
          + "managementToken (or AEBRIDGE_TOKEN) to enable it");
    }
    String header = ctx.header("Authorization");
    String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim()
        : "";
    if (!MessageDigest.isEqual(tokenDigest, sha256(given))) {
      ctx.header("WWW-Authenticate", "Bearer");
      throw new ServingException(ErrorCode.UNAUTHENTICATED, "Missing or wrong management token (send "
          + "Authorization: Bearer <token>)");
    }
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private void index(Context ctx) throws IOException {
    Http.json(ctx, g -> {
      g.writeStartArray();
      for (String m : s.repository().knownModels()) {
        List<VersionStatus> versions;
        try {
          versions = s.repository().status(m);
        } catch (ServingException gone) {
          continue;
        }
        for (VersionStatus v : versions) {
          g.writeStartObject();
          g.writeStringField("name", m);
          g.writeStringField("version", Long.toString(v.version()));
          g.writeStringField("state", v.state() == VersionStatus.State.AVAILABLE ? "READY" : v.state().name());
          g.writeStringField("reason", v.failed() ? v.errorMessage()
              : s.repository().isUnloaded(m) ? "unloaded" : "");
          g.writeEndObject();
        }
      }
      // Folders the server will not serve, so an operator sees why a model is missing (Triton: no version).
      for (Map.Entry<String, String> bad : s.repository().rejectedModels().entrySet()) {
        g.writeStartObject();
        g.writeStringField("name", bad.getKey());
        g.writeStringField("state", "UNAVAILABLE");
        g.writeStringField("reason", bad.getValue());
        g.writeEndObject();
      }
      g.writeEndArray();
    });
  }

  private void load(Context ctx) throws IOException {
    authorize(ctx);
    String m = modelName(ctx);
    List<VersionStatus> status = s.repository().load(m);
    if (status.stream().noneMatch(v -> v.state() == VersionStatus.State.AVAILABLE)) {
      throw ServingException.invalid("Model '" + m + "' has no loadable version: " + status.stream()
          .map(v -> v.version() + " " + v.state() + (v.failed() ? " (" + v.errorMessage() + ")" : "")).toList());
    }
    LOG.info("[{}] management: loaded model {}", Http.requestId(ctx), m);
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeEndObject();
    });
  }

  private void unload(Context ctx) throws IOException {
    authorize(ctx);
    String m = modelName(ctx);
    s.repository().unload(m);
    LOG.info("[{}] management: unloaded model {}", Http.requestId(ctx), m);
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeEndObject();
    });
  }

  private static String modelName(Context ctx) {
    String m = ctx.pathParam("m");
    if (!ServerConfig.validModelName(m)) {
      throw ServingException.invalid("'" + TensorJson.abbreviate(m) + "' is not a model name: 1–100 characters of "
          + "[A-Za-z0-9._-], not starting with '.'");
    }
    return m;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Upload

  private void upload(Context ctx) throws IOException {
    authorize(ctx);
    String m = modelName(ctx);
    ServerConfig.Limits limits = s.config().limits();
    byte[] zip = Http.body(ctx, limits.maxUploadBytes());
    Path modelDir = s.repository().modelDir(m);
    if (modelDir == null) {
      throw ServingException.notFound("No models root to upload '" + m + "' into: this server serves only the "
          + "models its config lists with their own base path");
    }
    Path temp;
    try {
      // Every write under the models folder, the model's own folder included (a read-only mount fails here).
      Files.createDirectories(modelDir);
      removeStaleUploads(modelDir);
      temp = Files.createTempDirectory(modelDir, UPLOAD_PREFIX);
    } catch (IOException e) {
      throw cannotWrite(m, e);
    }
    try {
      try {
        unzip(zip, temp, limits);
      } catch (IOException e) {
        throw cannotWrite(m, e);
      }
      Path savedModel = findSavedModel(temp);
      try {
        s.ops().check(savedModel);
      } catch (OpPolicy.RefusedException e) {
        throw ServingException.invalid("Upload refused: " + e.getMessage());
      }
      try (LoadedModel trial = LoadedModel.load(savedModel)) {
        trial.signatures();
      } catch (ModelLoadException e) {
        String message = e.getMessage().replace(savedModel.toString(), "<upload>");
        throw ServingException.invalid("Upload does not load: " + message);
      }
      long version = version(ctx, modelDir);
      Path target = modelDir.resolve(Long.toString(version));
      try {
        Files.move(savedModel, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
        throw new ServingException(ErrorCode.ALREADY_EXISTS, "Model '" + m + "' already has a version "
            + version);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IllegalStateException("Cannot rename uploads atomically inside " + modelDir, e);
      } catch (IOException e) {
        throw cannotWrite(m, e);
      }
      LOG.info("[{}] management: installed an upload as model {} version {}", Http.requestId(ctx), m, version);
      List<VersionStatus> status = s.repository().install(m, version);
      VersionStatus mine = status.stream().filter(v -> v.version() == version).findFirst().orElse(null);
      Http.json(ctx, g -> {
        g.writeStartObject();
        g.writeStringField("model", m);
        g.writeStringField("version", Long.toString(version));
        g.writeStringField("state", mine == null ? "UNKNOWN" : mine.state().name());
        g.writeArrayFieldStart("model_version_status");
        for (VersionStatus v : status) {
          StatusJson.writeVersionStatus(g, v);
        }
        g.writeEndArray();
        g.writeEndObject();
      });
    } finally {
      deleteRecursively(temp);
    }
  }

  /**
   * A write under the models folder failed (disk full, read-only): the server's fault, not the client's, so not
   * the 400 that an I/O error reading the request gets. Nothing of the upload stays behind.
   */
  private static ServingException cannotWrite(String model, IOException e) {
    String why = e instanceof java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
        : String.valueOf(e.getMessage());
    LOG.warn("management: could not write an upload of model {}: {}", model, e.toString());
    return new ServingException(ErrorCode.INSUFFICIENT_STORAGE, "Could not store the upload of model '" + model
        + "': " + why + " (nothing was installed)");
  }

  private static long version(Context ctx, Path modelDir) throws IOException {
    String requested = ctx.queryParam("version");
    if (requested == null) {
      return ModelLayout.nextVersion(modelDir);
    }
    OptionalLong v = ModelLayout.parseVersion(requested);
    if (v.isEmpty()) {
      throw ServingException.invalid("version must be a positive integer, found '" + TensorJson.abbreviate(requested)
          + "'");
    }
    if (Files.exists(modelDir.resolve(Long.toString(v.getAsLong())))) {
      throw new ServingException(ErrorCode.ALREADY_EXISTS, "Version " + v.getAsLong() + " already exists");
    }
    return v.getAsLong();
  }

  /** Unpacks {@code zip} into {@code dir}, refusing entries that escape it, and bounding count and size. */
  static void unzip(byte[] zip, Path dir, ServerConfig.Limits limits) throws IOException {
    Path base = dir.toAbsolutePath().normalize();
    long unpacked = 0;
    int entries = 0;
    byte[] buffer = new byte[64 * 1024];
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        if (++entries > limits.maxZipEntries()) {
          throw ServingException.invalid("The zip has more than " + limits.maxZipEntries() + " entries "
              + "(limits.maxZipEntries)");
        }
        String name = e.getName();
        Path target = entryPath(base, name);
        if (e.isDirectory()) {
          Files.createDirectories(target);
          continue;
        }
        Files.createDirectories(target.getParent());
        try (OutputStream out = Files.newOutputStream(target, java.nio.file.StandardOpenOption.CREATE_NEW)) {
          for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            unpacked += n;
            if (unpacked > limits.maxUnpackedBytes()) {
              throw new ServingException(ErrorCode.PAYLOAD_TOO_LARGE, "The zip unpacks to more than "
                  + limits.maxUnpackedBytes() + " bytes (limits.maxUnpackedBytes)");
            }
            out.write(buffer, 0, n);
          }
        } catch (FileAlreadyExistsException dup) {
          throw ServingException.invalid("The zip holds '" + TensorJson.abbreviate(name) + "' twice");
        }
      }
    } catch (ZipException | IllegalArgumentException e) {
      if (e instanceof ServingException a) {
        throw a;
      }
      throw ServingException.invalid("Not a valid zip: " + e.getMessage());
    }
    if (entries == 0) {
      throw ServingException.invalid("The upload is not a zip, or an empty one; send a zipped SavedModel folder");
    }
  }

  /** Where entry {@code name} goes under {@code base}, or 400 when it would land outside (zip-slip). */
  static Path entryPath(Path base, String name) {
    if (name.isEmpty() || name.startsWith("/") || name.contains("\\") || name.contains(":")
        || name.indexOf('\0') >= 0) {
      throw ServingException.invalid("Zip entry '" + TensorJson.abbreviate(name) + "' is not a plain relative path");
    }
    for (String part : name.split("/")) {
      if (part.equals("..")) {
        throw ServingException.invalid("Zip entry '" + TensorJson.abbreviate(name) + "' escapes the upload folder "
            + "(path traversal)");
      }
    }
    Path target = base.resolve(name).normalize();
    if (!target.startsWith(base) || target.equals(base)) {
      throw ServingException.invalid("Zip entry '" + TensorJson.abbreviate(name) + "' escapes the upload folder");
    }
    return target;
  }

  /** The one folder holding {@code saved_model.pb}: the zip's top, or somewhere below. */
  private static Path findSavedModel(Path dir) throws IOException {
    List<Path> found = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir, 4)) {
      walk.filter(p -> p.getFileName().toString().equals(ModelLayout.SAVED_MODEL_FILE) && Files.isRegularFile(p))
          .forEach(p -> found.add(p.getParent()));
    }
    if (found.size() != 1) {
      throw ServingException.invalid(found.isEmpty() ? "The zip holds no " + ModelLayout.SAVED_MODEL_FILE
          : "The zip holds " + found.size() + " SavedModels; upload one");
    }
    return found.get(0);
  }

  private static void removeStaleUploads(Path modelDir) {
    Instant cutoff = Instant.now().minus(STALE_UPLOAD);
    try (Stream<Path> children = Files.list(modelDir)) {
      for (Path p : (Iterable<Path>) children::iterator) {
        if (p.getFileName().toString().startsWith(UPLOAD_PREFIX)
            && Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
          deleteRecursively(p);
        }
      }
    } catch (IOException e) {
      LOG.warn("Could not clean old uploads in {}: {}", modelDir, e.toString());
    }
  }

  /** Best effort: a leftover temporary folder is not served (its name is not a version) and is removed later. */
  public static void deleteRecursively(Path dir) {
    try {
      ModelLayout.deleteRecursively(dir);
    } catch (IOException e) {
      LOG.warn("Could not delete {}: {}", dir, e.toString());
    }
  }

}
