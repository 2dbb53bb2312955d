package io.aebridge.keras;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aebridge.keras.GraphBuilder.T;
import io.aebridge.keras.KerasConfig.Model;
import io.aebridge.keras.KerasConfig.Ref;
import io.aebridge.load.HostTensor;
import io.aebridge.load.InvalidInputException;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.SignatureNotFoundException;
import io.aebridge.load.TensorSpec;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;

/**
 * A Keras model file ({@code .keras} or legacy {@code .h5}) rebuilt as a TensorFlow graph with the file's weights,
 * ready to run — no SavedModel on disk, no Python. The counterpart of {@link io.aebridge.load.LoadedModel} for
 * Keras files, with the same signature view: {@code serving_default} (inputs and outputs named after the Keras
 * input and output layers), plus {@code encode}/{@code decode} when the model is an autoencoder (then the tensors
 * are {@code x}, {@code code} and {@code reconstruction}, as in models this project trains).
 *
 * <pre>{@code
 * try (KerasModel model = KerasModel.read(Path.of("autoencoder.keras"))) {
 *   Map<String, HostTensor> out = model.run("encode", Map.of("x", HostTensor.ofFloats(new long[] {n, 784}, px)));
 *   model.writeSavedModel(Path.of("exported/1"));   // or through `aebridge import`
 * }
 * }</pre>
 *
 * <p>Owns its graph and session: close it to free native memory; every method throws
 * {@link IllegalStateException} after close. {@link #run} may be called from several threads at once, but not
 * concurrently with {@link #close()} or {@link #writeSavedModel}.
 */
public final class KerasModel implements AutoCloseable {
  /** Signature keys and tensor names, the same strings as {@code io.aebridge.graph.Endpoints}. */
  public static final String SERVING_DEFAULT = "serving_default";
  public static final String ENCODE = "encode";
  public static final String DECODE = "decode";
  static final String INPUT = "x";
  static final String CODE = "code";
  static final String RECONSTRUCTION = "reconstruction";
  static final String PREDICT_METHOD = "tensorflow/serving/predict";

  /** The zip entries of a Keras 3 archive. */
  static final String CONFIG_ENTRY = "config.json";
  static final String METADATA_ENTRY = "metadata.json";
  static final String WEIGHTS_ENTRY = "model.weights.h5";

  /**
   * Limits that keep a hostile file from exhausting memory: the config, the weights archive entry and the number
   * of weight values (checked against the config before any weight data is read).
   */
  public record Limits(long maxConfigBytes, long maxWeightsBytes, long maxWeightValues) {
    public static final Limits DEFAULT = new Limits(16L << 20, 2L << 30, 512L << 20);

    public Limits {
      if (maxConfigBytes <= 0 || maxWeightsBytes <= 0 || maxWeightValues <= 0) {
        throw new IllegalArgumentException("limits must be positive, found " + maxConfigBytes + ", "
            + maxWeightsBytes + ", " + maxWeightValues);
      }
    }
  }

  /**
   * Where the model came from and how it was mapped, for model cards.
   *
   * @param file the Keras file
   * @param sha256 the file's SHA-256, hex
   * @param format {@code keras} (Keras 3 zip) or {@code h5} (legacy HDF5)
   * @param kerasVersion the version the file says wrote it, or {@code unknown}
   * @param modelClass {@code Functional} or {@code Sequential}
   * @param layers every layer, nested ones as {@code outer/inner}, with its Keras class
   * @param codeLayer the layer whose output is the code, or {@code null} when the model is not an autoencoder
   * @param codeFoundBy how the code layer was found ({@code --code-layer}, {@code encoder/decoder sub-models},
   *     {@code narrowest layer of a symmetric model}), or {@code null}
   * @param parameterCount number of weight values
   */
  public record Source(Path file, String sha256, String format, String kerasVersion, String modelClass,
      Map<String, String> layers, String codeLayer, String codeFoundBy, long parameterCount) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Graph graph;
  private final Session session;
  private final Map<String, SignatureInfo> signatures;
  private final Map<String, Signature> tfSignatures;
  private final Map<String, Map<String, Operand<?>>> operands;
  private final Source source;
  private final AtomicBoolean closed = new AtomicBoolean();

  private KerasModel(Graph graph, Session session, Map<String, Signature> tfSignatures,
      Map<String, Map<String, Operand<?>>> operands, Source source) {
    this.graph = graph;
    this.session = session;
    this.tfSignatures = tfSignatures;
    this.operands = operands;
    this.source = source;
    Map<String, SignatureInfo> infos = new LinkedHashMap<>();
    tfSignatures.forEach((key, sig) -> infos.put(key, info(key, sig)));
    this.signatures = infos;
  }

  /** Reads {@code file}, finding encode/decode from the architecture when it is an autoencoder. */
  public static KerasModel read(Path file) throws KerasImportException {
    return read(file, null, Limits.DEFAULT);
  }

  /**
   * Reads {@code file}.
   *
   * @param codeLayer the top-level layer whose output is the code (a name from the model), or {@code null} to find
   *     it from the architecture
   * @throws KerasImportException naming the file and what is wrong: not a Keras file, damaged, an unsupported
   *     layer/option (named with its class and what is supported), weights missing or of the wrong shape
   */
  public static KerasModel read(Path file, String codeLayer, Limits limits) throws KerasImportException {
    return parse(file, limits, (f, sha256, format, version, model, weights) ->
        build(f, sha256, format, version, model, weights, codeLayer));
  }

  /** What to make of a parsed file while its weights are open (the weight store is closed afterwards). */
  @FunctionalInterface
  interface Reader<R> {
    R read(Path file, String sha256, String format, String kerasVersion, Model model, WeightStore weights)
        throws KerasImportException;
  }

  /** Reads the file's config and opens its weights (with every check of {@link #read}), then hands both on. */
  static <R> R parse(Path file, Limits limits, Reader<R> reader) throws KerasImportException {
    String sha256;
    byte[] magic = new byte[8];
    try (InputStream in = Files.newInputStream(file)) {
      int n = in.readNBytes(magic, 0, magic.length);
      magic = Arrays.copyOf(magic, n);
      sha256 = sha256(file);
    } catch (IOException e) {
      throw new KerasImportException(file, "cannot read it: " + e.getMessage(), e);
    }
    if (startsWith(magic, new byte[] {'P', 'K', 3, 4})) {
      return readKeras3(file, sha256, limits, reader);
    }
    if (startsWith(magic, new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'})) {
      return readLegacy(file, sha256, limits, reader);
    }
    throw new KerasImportException(file, "neither a Keras 3 .keras archive (a zip) nor a Keras 2 / tf.keras .h5 "
        + "file (HDF5): the first bytes are " + HexFormat.of().formatHex(magic));
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    return a.length >= prefix.length && Arrays.equals(Arrays.copyOf(a, prefix.length), prefix);
  }

  private static <R> R readKeras3(Path file, String sha256, Limits limits, Reader<R> reader)
      throws KerasImportException {
    Path weights = null;
    try (ZipFile zip = new ZipFile(file.toFile())) {
      String config = new String(entry(file, zip, CONFIG_ENTRY, limits.maxConfigBytes()), StandardCharsets.UTF_8);
      String version = "unknown";
      if (zip.getEntry(METADATA_ENTRY) != null) {
        JsonNode meta = json(file, METADATA_ENTRY,
            new String(entry(file, zip, METADATA_ENTRY, limits.maxConfigBytes()), StandardCharsets.UTF_8));
        version = meta.path("keras_version").asText("unknown");
      }
      Model model = parse(file, json(file, CONFIG_ENTRY, config), false);
      ZipEntry w = zip.getEntry(WEIGHTS_ENTRY);
      if (w == null) {
        throw new KerasImportException(file, "the archive has no " + WEIGHTS_ENTRY + " (entries: "
            + zip.stream().map(ZipEntry::getName).limit(20).toList() + ")");
      }
      weights = Files.createTempFile("aebridge-keras-", ".weights.h5");
      try (InputStream in = zip.getInputStream(w); OutputStream out = Files.newOutputStream(weights)) {
        copyBounded(file, WEIGHTS_ENTRY, in, out, limits.maxWeightsBytes(), w.getCrc());
      }
      try (HdfFile hdf = openHdf(file, weights)) {
        return reader.read(file, sha256, "keras", version, model,
            new WeightStore.Keras3(hdf, limits.maxWeightValues()));
      }
    } catch (ZipException e) {
      throw new KerasImportException(file, "not a readable zip archive (" + e.getMessage() + ")", e);
    } catch (KerasImportException e) {
      throw e;
    } catch (IOException e) {
      throw new KerasImportException(file, "cannot read the archive: " + e.getMessage(), e);
    } finally {
      if (weights != null) {
        try {
          Files.deleteIfExists(weights);
        } catch (IOException ignored) {
          // A temporary copy left behind is not worth failing an import for.
        }
      }
    }
  }

  private static <R> R readLegacy(Path file, String sha256, Limits limits, Reader<R> reader)
      throws KerasImportException {
    try (HdfFile hdf = openHdf(file, file)) {
      String config = stringAttribute(file, hdf, "model_config");
      if (config == null) {
        throw new KerasImportException(file, "an HDF5 file without a model_config attribute: a weights-only file "
            + "(model.save_weights)? Save the whole model with model.save('model.h5') or model.save('model.keras')");
      }
      if (config.length() > limits.maxConfigBytes()) {
        throw new KerasImportException(file, "model_config is " + config.length() + " characters, over the limit of "
            + limits.maxConfigBytes());
      }
      String version = stringAttribute(file, hdf, "keras_version");
      Model model = parse(file, json(file, "model_config", config), true);
      Node weights = hdf.getChild("model_weights");
      if (!(weights instanceof Group group)) {
        throw new KerasImportException(file, "the file has a model_config but no model_weights group: saved "
            + "without weights?");
      }
      return reader.read(file, sha256, "h5", version == null ? "unknown" : version, model,
          new WeightStore.Legacy(group, limits.maxWeightValues()));
    } catch (RuntimeException e) {
      throw new KerasImportException(file, "not a readable HDF5 file (" + e + ")", e);
    }
  }

  /**
   * Opens an HDF5 file as a read-only memory map rather than through jHDF's file channel: jHDF (0.9.4) allocates a
   * heap buffer of whatever size a header declares before reading it (a version-1 object header's 4-byte size,
   * for one), so a damaged header declaring ~2 GiB cost a 2 GiB allocation and seconds of zeroing and GC (12 s in
   * the fuzz finding {@code findings/slow-attribute-header.h5}). On a mapped buffer jHDF reads by slicing, and a
   * slice past the end of the file fails at once, so every declared size is bounded by the file's real length.
   */
  private static HdfFile openHdf(Path file, Path hdf) throws KerasImportException {
    String what = file.equals(hdf) ? "file" : "weights entry";
    ByteBuffer mapped;
    try (FileChannel channel = FileChannel.open(hdf, StandardOpenOption.READ)) {
      long size = channel.size();
      if (size > Integer.MAX_VALUE) {
        throw new KerasImportException(file, "the HDF5 " + what + " is " + size + " bytes; the importer reads HDF5 "
            + "files up to " + Integer.MAX_VALUE + " bytes (2 GiB)");
      }
      mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
    } catch (KerasImportException e) {
      throw e;
    } catch (IOException e) {
      throw new KerasImportException(file, "cannot read the HDF5 " + what + ": " + e.getMessage(), e);
    }
    try {
      return HdfFile.fromByteBuffer(mapped);
    } catch (RuntimeException e) {
      throw new KerasImportException(file, "not a readable HDF5 " + what + " (" + e + ")", e);
    }
  }

  private static String stringAttribute(Path file, Group g, String name) throws KerasImportException {
    Attribute a;
    try {
      a = g.getAttribute(name);
    } catch (RuntimeException e) {
      throw new KerasImportException(file, "cannot read attribute '" + name + "' (" + e + ")", e);
    }
    if (a == null) {
      return null;
    }
    Object data = a.getData();
    if (data instanceof String s) {
      return s;
    }
    if (data instanceof byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
    throw new KerasImportException(file, "attribute '" + name + "' is not a string");
  }

  private static byte[] entry(Path file, ZipFile zip, String name, long max) throws IOException {
    ZipEntry e = zip.getEntry(name);
    if (e == null) {
      throw new KerasImportException(file, "the archive has no " + name + ": not a Keras 3 .keras file (entries: "
          + zip.stream().map(ZipEntry::getName).limit(20).toList() + ")");
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    try (InputStream in = zip.getInputStream(e)) {
      copyBounded(file, name, in, out, max, e.getCrc());
    }
    return out.toByteArray();
  }

  /**
   * Copies at most {@code max} bytes, whatever the zip header declares (more is an error, not a truncation), and
   * checks the entry's CRC-32: Java does not check it for stored (uncompressed) entries, which Keras writes, and a
   * damaged weights file is better refused here than parsed.
   */
  private static void copyBounded(Path file, String name, InputStream in, OutputStream out, long max, long crc)
      throws IOException {
    byte[] buffer = new byte[64 * 1024];
    java.util.zip.CRC32 check = new java.util.zip.CRC32();
    long total = 0;
    int n;
    while ((n = in.read(buffer)) > 0) {
      total += n;
      if (total > max) {
        throw new KerasImportException(file, name + " unpacks to more than the limit of " + max + " bytes");
      }
      check.update(buffer, 0, n);
      out.write(buffer, 0, n);
    }
    if (crc != -1 && check.getValue() != crc) {
      throw new KerasImportException(file, "the archive is damaged: " + name + " does not match its CRC-32");
    }
  }

  private static JsonNode json(Path file, String what, String text) throws KerasImportException {
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new KerasImportException(file, what + " is not valid JSON (" + e.getOriginalMessage() + ")", e);
    }
  }

  private static Model parse(Path file, JsonNode config, boolean legacy) throws KerasImportException {
    try {
      return KerasConfig.parse(config, legacy);
    } catch (KerasConfig.Refused e) {
      throw new KerasImportException(file, e.getMessage(), e);
    }
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[64 * 1024];
      int n;
      while ((n = in.read(buffer)) > 0) {
        d.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(d.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static KerasModel build(Path file, String sha256, String format, String version, Model model,
      WeightStore weights, String codeLayer) throws KerasImportException {
    Graph graph = new Graph();
    Session session = null;
    try {
      Ops tf = Ops.create(graph);
      GraphBuilder builder = new GraphBuilder(tf, weights);
      List<T> inputs = new ArrayList<>();
      List<Placeholder<TFloat32>> placeholders = new ArrayList<>();
      for (Ref r : model.inputs()) {
        LayerSpec layer = model.node(r.layer()).layer();
        if (!(layer instanceof LayerSpec.Input in)) {
          throw new KerasImportException(file, "input '" + r.layer() + "' is a " + layer.className()
              + ", not an InputLayer");
        }
        long[] shape = concat(-1, in.shape());
        Placeholder<TFloat32> p = tf.withName(GraphBuilder.scopeName("input_" + in.name()))
            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
        placeholders.add(p);
        inputs.add(new T(p, shape));
      }
      boolean singleChain = model.inputs().size() == 1 && model.outputs().size() == 1;
      String code = codeLayer;
      String foundBy = codeLayer == null ? null : "--code-layer";
      if (code != null && (model.node(code) == null || model.node(code).layer() instanceof LayerSpec.Input)) {
        throw new KerasImportException(file, "--code-layer '" + code + "': the model has no such layer after its "
            + "input; its layers are " + model.layers().stream().map(n -> n.layer().name()).toList());
      }
      if (code != null && !singleChain) {
        throw new KerasImportException(file, "--code-layer needs a model with one input and one output; this one "
            + "has " + model.inputs().size() + " and " + model.outputs().size());
      }
      if (code == null && singleChain && model.node("encoder") != null && model.node("decoder") != null
          && model.node("encoder").layer() instanceof LayerSpec.Nested
          && model.node("decoder").layer() instanceof LayerSpec.Nested) {
        code = "encoder";
        foundBy = "encoder/decoder sub-models";
      }
      List<Ref> wanted = new ArrayList<>(model.outputs());
      List<String> candidates = new ArrayList<>();
      if (code == null && singleChain) {
        for (KerasConfig.Node n : model.layers()) {
          if (!(n.layer() instanceof LayerSpec.Input) && !n.calls().isEmpty()
              && !model.outputs().get(0).layer().equals(n.layer().name())) {
            candidates.add(n.layer().name());
            wanted.add(new Ref(n.layer().name(), 0, 0));
          }
        }
      } else if (code != null) {
        wanted.add(new Ref(code, 0, 0));
      }
      List<T> all = builder.tensors(List.of(), model, inputs, Map.of(), true, wanted);
      List<T> outputs = all.subList(0, model.outputs().size());
      T codeTensor = code != null ? all.get(all.size() - 1) : null;
      if (code == null && singleChain && Arrays.equals(outputs.get(0).shape(), inputs.get(0).shape())) {
        long best = inputs.get(0).perSample();
        for (int i = 0; i < candidates.size(); i++) {
          T t = all.get(model.outputs().size() + i);
          if (t.perSample() < best) {
            best = t.perSample();
            code = candidates.get(i);
            codeTensor = t;
          }
        }
        foundBy = code == null ? null : "narrowest layer of a model whose output has its input's shape";
      }
      Map<String, Signature> sigs = new LinkedHashMap<>();
      Map<String, Map<String, Operand<?>>> ops = new LinkedHashMap<>();
      T decoded = null;
      Placeholder<TFloat32> codeInput = null;
      if (code != null) {
        codeInput = tf.withName("code_input").placeholder(TFloat32.class,
            Placeholder.shape(Shape.of(codeTensor.shape())));
        try {
          decoded = builder.model(List.of(), model, inputs, Map.of(code, new T(codeInput, codeTensor.shape())),
              false).get(0);
        } catch (GraphBuilder.BuildException e) {
          if (codeLayer != null) {
            throw new KerasImportException(file, "--code-layer '" + code + "': " + e.getMessage(), e);
          }
          code = null; // Not an autoencoder after all; the ops built for the attempt are unused.
          foundBy = null;
        }
      }
      if (code != null) {
        put(sigs, ops, SERVING_DEFAULT, Map.of(INPUT, placeholders.get(0)), Map.of(RECONSTRUCTION,
            outputs.get(0).op()));
        put(sigs, ops, ENCODE, Map.of(INPUT, placeholders.get(0)), Map.of(CODE, codeTensor.op()));
        put(sigs, ops, DECODE, Map.of(CODE, codeInput), Map.of(RECONSTRUCTION, decoded.op()));
      } else {
        Map<String, Operand<?>> in = new LinkedHashMap<>();
        for (int i = 0; i < placeholders.size(); i++) {
          in.put(unique(in, model.inputs().get(i).layer()), placeholders.get(i));
        }
        Map<String, Operand<?>> out = new LinkedHashMap<>();
        for (int i = 0; i < outputs.size(); i++) {
          out.put(unique(out, model.outputs().get(i).layer()), outputs.get(i).op());
        }
        put(sigs, ops, SERVING_DEFAULT, in, out);
      }
      session = new Session(graph);
      long parameters = 0;
      for (GraphBuilder.Initial init : builder.initialValues()) {
        Placeholder<TFloat32> value = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(init.shape())));
        var assign = tf.assign(init.variable(), value);
        try (TFloat32 t = TFloat32.tensorOf(Shape.of(init.shape()), DataBuffers.of(init.values(), true, false))) {
          session.runner().feed(value, t).addTarget(assign).run().close();
        }
        parameters += init.values().length;
      }
      Source source = new Source(file, sha256, format, version, model.className(), KerasConfig.layerClasses(model),
          code, foundBy, parameters);
      return new KerasModel(graph, session, sigs, ops, source);
    } catch (KerasImportException e) {
      close(session, graph);
      throw e;
    } catch (WeightStore.Mismatch | GraphBuilder.BuildException e) {
      close(session, graph);
      throw new KerasImportException(file, e.getMessage(), e);
    } catch (TensorFlowException | IllegalArgumentException | IllegalStateException e) {
      close(session, graph);
      throw new KerasImportException(file, "TensorFlow refused the rebuilt graph: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      close(session, graph);
      throw e;
    }
  }

  private static String unique(Map<String, ?> taken, String name) {
    String n = name;
    for (int k = 1; taken.containsKey(n); k++) {
      n = name + "_" + k;
    }
    return n;
  }

  private static void put(Map<String, Signature> sigs, Map<String, Map<String, Operand<?>>> ops, String key,
      Map<String, Operand<?>> inputs, Map<String, Operand<?>> outputs) {
    Signature.Builder b = Signature.builder().key(key).methodName(PREDICT_METHOD);
    Map<String, Operand<?>> all = new LinkedHashMap<>();
    inputs.forEach((k, v) -> {
      b.input(k, v);
      all.put("in:" + k, v);
    });
    outputs.forEach((k, v) -> {
      b.output(k, v);
      all.put("out:" + k, v);
    });
    sigs.put(key, b.build());
    ops.put(key, all);
  }

  private static SignatureInfo info(String key, Signature sig) {
    List<TensorSpec> in = new ArrayList<>();
    List<TensorSpec> out = new ArrayList<>();
    new java.util.TreeMap<>(sig.getInputs()).forEach((k, t) -> in.add(new TensorSpec(k, t.name,
        DataType.DT_FLOAT, t.shape.asArray())));
    new java.util.TreeMap<>(sig.getOutputs()).forEach((k, t) -> out.add(new TensorSpec(k, t.name,
        DataType.DT_FLOAT, t.shape.asArray())));
    return new SignatureInfo(key, PREDICT_METHOD, in, out);
  }

  private static long[] concat(long first, long[] rest) {
    long[] all = new long[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static void close(Session session, Graph graph) {
    if (session != null) {
      session.close();
    }
    graph.close();
  }

  /** Where the model came from and how each layer was mapped. */
  public Source source() {
    return source;
  }

  /** Every signature: {@code serving_default}, then {@code encode}/{@code decode} for autoencoders. */
  public List<SignatureInfo> signatures() {
    checkOpen();
    return List.copyOf(signatures.values());
  }

  /** The input keys of {@code serving_default} in the Keras model's input order (what {@code predict} takes). */
  public List<String> inputKeys() {
    return keys("in:");
  }

  /** The output keys of {@code serving_default} in the Keras model's output order (what {@code predict} returns). */
  public List<String> outputKeys() {
    return keys("out:");
  }

  private List<String> keys(String prefix) {
    checkOpen();
    return operands.get(SERVING_DEFAULT).keySet().stream().filter(k -> k.startsWith(prefix))
        .map(k -> k.substring(prefix.length())).toList();
  }

  /** The signature {@code key}, or {@link SignatureNotFoundException} listing those that exist. */
  public SignatureInfo signature(String key) {
    checkOpen();
    SignatureInfo info = signatures.get(key);
    if (info == null) {
      throw new SignatureNotFoundException(key, source.file().toString(), new ArrayList<>(signatures.keySet()));
    }
    return info;
  }

  /**
   * Runs signature {@code key}, as {@link io.aebridge.load.LoadedModel#run} does.
   *
   * @param inputs one float32 tensor per signature input, by input key
   * @return every output by key, copied to the heap
   */
  public Map<String, HostTensor> run(String key, Map<String, HostTensor> inputs) {
    SignatureInfo info = signature(key);
    Map<String, Operand<?>> ops = operands.get(key);
    for (String name : inputs.keySet()) {
      if (!ops.containsKey("in:" + name)) {
        throw new InvalidInputException("Signature '" + key + "' has no input '" + name + "'; expected inputs "
            + info.inputs().stream().map(TensorSpec::key).toList());
      }
    }
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (TensorSpec spec : info.inputs()) {
        HostTensor value = inputs.get(spec.key());
        if (value == null) {
          throw new InvalidInputException("Signature '" + key + "' needs input '" + spec.key() + "' (" + spec.dtype()
              + " " + spec.shapeText() + "); got " + inputs.keySet());
        }
        if (value.dtype() != spec.dtype()) {
          throw new InvalidInputException("Input '" + spec.key() + "' of signature '" + key + "' expects "
              + spec.dtype() + ", got " + value.dtype());
        }
        if (!spec.accepts(value.shape())) {
          throw new InvalidInputException("Input '" + spec.key() + "' of signature '" + key + "' expects shape "
              + spec.shapeText() + ", got " + Arrays.toString(value.shape()));
        }
        Tensor t = value.toTensor();
        fed.add(t);
        runner.feed(ops.get("in:" + spec.key()), t);
      }
      for (TensorSpec spec : info.outputs()) {
        runner.fetch(ops.get("out:" + spec.key()));
      }
      Map<String, HostTensor> outputs = new LinkedHashMap<>();
      try (Result result = runner.run()) {
        for (int i = 0; i < info.outputs().size(); i++) {
          outputs.put(info.outputs().get(i).key(), HostTensor.copyOf(result.get(i)));
        }
      }
      return outputs;
    } finally {
      fed.forEach(Tensor::close);
    }
  }

  /**
   * Writes this model as a SavedModel (tag {@code serve}, the signatures above, weights in {@code variables/})
   * into {@code dir}, which must not exist yet or be empty. Callers wanting the TF Serving layout and an atomic
   * rename use {@code aebridge import}.
   */
  public void writeSavedModel(Path dir) throws IOException {
    checkOpen();
    try {
      SavedModelBundle.Exporter exporter = SavedModelBundle.exporter(dir.toString()).withSession(session);
      List<SessionFunction> functions = new ArrayList<>();
      for (Signature s : tfSignatures.values()) {
        functions.add(SessionFunction.create(s, session));
      }
      exporter.withFunctions(functions.toArray(SessionFunction[]::new)).export();
    } catch (TensorFlowException e) {
      throw new IOException("Could not write a SavedModel into " + dir + ": " + e.getMessage(), e);
    }
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("Keras model " + source.file() + " is closed");
    }
  }

  /** Closes the session and graph. Idempotent. */
  @Override
  public void close() {
    if (!closed.getAndSet(true)) {
      session.close();
      graph.close();
    }
  }
}
