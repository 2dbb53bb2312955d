package io.aebridge.serve;

import io.aebridge.TestData;
import io.aebridge.data.Dataset;
import io.aebridge.export.ModelCard;
import io.aebridge.export.SavedModelExporter;
import io.aebridge.serve.http.ManagementApi;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.SpecJson;
import io.aebridge.spec.TrainingSpec;
import io.aebridge.train.ProgressListener;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.Trainer;
import io.aebridge.train.TrainingData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Real SavedModels for the server tests. The trained autoencoder is trained and exported once per JVM (about 2 s)
 * into a template folder and copied into each test's models folder; the small hand-built graphs are written with
 * TensorFlow Java ops directly.
 */
public final class ServeFixtures {
  /** The trained dense autoencoder: 28×28×1 → 32 → 784, signatures serving_default/encode/decode. */
  public static final String DENSE = "dense";
  /** TF Serving's documentation model: y = 0.5·x + 3 on a batch of scalars. */
  public static final String HALF_PLUS_THREE = "half_plus_three";
  /** Keras-style names and two inputs: keras_tensor_3 [-1,5] and sensor [-1,2,2]. */
  public static final String MULTI = "multi_io";
  /** Integer and double inputs: a int32 [-1,2], b int64 [-1], c float64 [-1]. */
  public static final String TYPED = "typed";

  private static Path template;

  private ServeFixtures() {}

  /** A fresh models folder under {@code dir} with dense/1, half_plus_three/123, multi_io/1 and typed/1. */
  public static Path standardModels(Path dir) throws IOException {
    Path root = Files.createDirectories(dir.resolve("models"));
    copyDense(root, DENSE, 1);
    halfPlusThree(root.resolve(HALF_PLUS_THREE).resolve("123"));
    multiIo(root.resolve(MULTI).resolve("1"));
    typed(root.resolve(TYPED).resolve("1"));
    return root;
  }

  /** Copies the trained dense autoencoder into {@code root/name/version}. */
  public static Path copyDense(Path root, String name, long version) throws IOException {
    Path target = root.resolve(name).resolve(Long.toString(version));
    copyTree(denseTemplate(), target);
    return target;
  }

  /** Copies into a hidden folder beside the target, then renames it into place in one step. */
  public static Path copyDenseAtomically(Path root, String name, long version) throws IOException {
    Path modelDir = Files.createDirectories(root.resolve(name));
    Path temp = modelDir.resolve(".tmp-copy-" + version);
    copyTree(denseTemplate(), temp);
    Path target = modelDir.resolve(Long.toString(version));
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    return target;
  }

  private static synchronized Path denseTemplate() throws IOException {
    if (template == null) {
      Path dir = Files.createTempDirectory("aebridge-serve-template");
      template = exportDense(dir, trainDense()).directory();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
    }
    return template;
  }

  /** The trained dense autoencoder (1 epoch on synthetic bars); the caller closes it. */
  public static TrainedModel trainDense() {
    Dataset data = TestData.bars(256, 28, 1, 7);
    return new Trainer().train(denseSpec(), TrainingData.autoencoding(data, null), new ProgressListener() {});
  }

  /** Exports {@code trained} as the next version of {@code root/dense}, with its model card. */
  public static SavedModelExporter.Exported exportDense(Path root, TrainedModel trained) throws IOException {
    AutoencoderSpec spec = denseSpec();
    ModelCard card = new ModelCard(ModelCard.SCHEMA_VERSION, DENSE, "2026-01-01T00:00:00Z",
        SpecJson.toTree(spec), "bce", trained.weights().parameterCount(), null, Map.of("source", "bars"), null,
        Map.of(), Map.of());
    return SavedModelExporter.export(root, spec, trained.weights(), card);
  }

  private static AutoencoderSpec denseSpec() {
    return AutoencoderSpec.builder(DENSE).training(TrainingSpec.defaults().withEpochs(1).withBatchSize(64)).build();
  }

  public static void halfPlusThree(Path dir) throws IOException {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1)));
      Variable<TFloat32> a = tf.withName("a").variable(tf.constant(0.5f));
      Variable<TFloat32> b = tf.withName("b").variable(tf.constant(3f));
      var y = tf.withName("y").math.add(tf.math.mul(x, a), b);
      session.initialize();
      Signature sig = Signature.builder().key("serving_default").input("x", x).output("y", y)
          .methodName("tensorflow/serving/predict").build();
      export(dir, session, sig);
    }
  }

  public static void multiIo(Path dir) throws IOException {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> signal = tf.withName("signal").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, 5)));
      Placeholder<TFloat32> sensor = tf.withName("sensor").placeholder(TFloat32.class,
          Placeholder.shape(Shape.of(-1, 2, 2)));
      Variable<TFloat32> scale = tf.withName("scale").variable(tf.constant(2f));
      var sum = tf.withName("sum").math.add(tf.reduceSum(signal, tf.constant(1)),
          tf.reduceSum(sensor, tf.constant(new int[] {1, 2})));
      var doubled = tf.withName("doubled").math.mul(signal, scale);
      session.initialize();
      Signature sig = Signature.builder().key("serving_default").input("keras_tensor_3", signal)
          .input("sensor", sensor).output("output_0", sum).output("doubled", doubled)
          .methodName("tensorflow/serving/predict").build();
      Signature one = Signature.builder().key("signal_only").input("keras_tensor_3", signal)
          .output("output_0", tf.withName("signal_sum").reduceSum(signal, tf.constant(1)))
          .methodName("tensorflow/serving/predict").build();
      export(dir, session, sig, one);
    }
  }

  public static void typed(Path dir) throws IOException {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TInt32> a = tf.withName("a").placeholder(TInt32.class, Placeholder.shape(Shape.of(-1, 2)));
      Placeholder<TInt64> b = tf.withName("b").placeholder(TInt64.class, Placeholder.shape(Shape.of(-1)));
      Placeholder<TFloat64> c = tf.withName("c").placeholder(TFloat64.class, Placeholder.shape(Shape.of(-1)));
      Variable<TFloat64> half = tf.withName("half").variable(tf.constant(0.5));
      var a1 = tf.withName("a_plus_1").math.add(a, tf.constant(1));
      var b2 = tf.withName("b_times_2").math.mul(b, tf.constant(2L));
      var c2 = tf.withName("c_half").math.mul(c, half);
      session.initialize();
      Signature sig = Signature.builder().key("serving_default").input("a", a).input("b", b).input("c", c)
          .output("a_plus_1", a1).output("b_times_2", b2).output("c_half", c2)
          .methodName("tensorflow/serving/predict").build();
      export(dir, session, sig);
    }
  }

  /** A model whose serving signature reads a file: refused by the op allow-list. */
  public static void readsFile(Path dir) throws IOException {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      Variable<TFloat32> a = tf.withName("a").variable(tf.constant(1f));
      var contents = tf.withName("secret").io.readFile(tf.constant("/etc/hostname"));
      var length = tf.dtypes.cast(tf.strings.stringLength(contents), TFloat32.class);
      var y = tf.withName("y").math.add(tf.math.mul(x, a), length);
      session.initialize();
      Signature sig = Signature.builder().key("serving_default").input("x", x).output("y", y)
          .methodName("tensorflow/serving/predict").build();
      export(dir, session, sig);
    }
  }

  /** A model with no variables at all that still writes a checkpoint when served: SaveV2 on the serving path. */
  public static void savesCheckpoint(Path dir) throws IOException {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1)));
      Variable<TFloat32> a = tf.withName("a").variable(tf.constant(1f));
      var save = tf.withName("sneaky_save").train.save(tf.constant("/tmp/aebridge-sneaky"),
          tf.constant(NdArrays.vectorOfObjects("a")), tf.constant(NdArrays.vectorOfObjects("")), java.util.List.of(x));
      var y = tf.withControlDependencies(java.util.List.of(save)).withName("y").math.mul(x, a);
      session.initialize();
      Signature sig = Signature.builder().key("serving_default").input("x", x).output("y", y)
          .methodName("tensorflow/serving/predict").build();
      export(dir, session, sig);
    }
  }

  private static void export(Path dir, Session session, Signature... signatures) throws IOException {
    Files.createDirectories(dir.getParent());
    SessionFunction[] functions = new SessionFunction[signatures.length];
    for (int i = 0; i < signatures.length; i++) {
      functions[i] = SessionFunction.create(signatures[i], session);
    }
    SavedModelBundle.exporter(dir.toString()).withSession(session).withFunctions(functions).export();
  }

  /** A version folder whose saved_model.pb is garbage. */
  public static void corrupt(Path dir) throws IOException {
    Files.createDirectories(dir.resolve("variables"));
    Files.write(dir.resolve("saved_model.pb"), "this is not a protobuf \u0000\u0001\u0002".getBytes());
  }

  public static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> walk = Files.walk(from)) {
      for (Path p : (Iterable<Path>) walk::iterator) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  public static void deleteQuietly(Path dir) {
    ManagementApi.deleteRecursively(dir);
  }

}
