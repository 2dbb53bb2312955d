package io.aebridge.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.aebridge.data.Dataset;
import io.aebridge.data.Mnist;
import io.aebridge.export.ModelCard;
import io.aebridge.export.SavedModelExporter;
import io.aebridge.load.BuildInfo;
import io.aebridge.load.HostTensor;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.SpecJson;
import io.aebridge.train.EpochStats;
import io.aebridge.train.ProgressListener;
import io.aebridge.train.TrainedModel;
import io.aebridge.train.Trainer;
import io.aebridge.train.TrainingData;
import io.aebridge.train.TrainingHistory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The Java side of {@code bench/run.sh}. Two commands, each printing one JSON object on stdout:
 *
 * <pre>
 * java -cp target/aebridge.jar io.aebridge.bench.BenchMain train --model dense --epochs 10 --batch 256
 * java -cp target/aebridge.jar io.aebridge.bench.BenchMain matmul --size 2048 --seconds 3
 * java -cp target/aebridge.jar io.aebridge.bench.BenchMain predict --model saved-models/dense/1 --batch 64
 * java -cp target/aebridge.jar io.aebridge.bench.BenchMain json --values 784 --seconds 2
 * </pre>
 *
 * <p>{@code train} trains one of the benchmark models ({@link BenchModels}) with the project's {@link Trainer} on
 * the project's MNIST split, without per-epoch validation (the epoch times never include it, and Keras's side runs
 * none either), then evaluates the held-out loss once. TensorFlow's session defaults apply: all cores for intra-
 * and inter-op work, as in Keras. The trainer decides on XLA itself (long dense runs, {@link Trainer#usesXla}); the
 * JSON says whether it did ({@code "xla"}).
 */
@Command(name = "aebridge-bench", mixinStandardHelpOptions = true,
    subcommands = {BenchMain.Train.class, BenchMain.Matmul.class, BenchMain.Predict.class, BenchMain.Json.class,
        GrpcLoad.class},
    description = "Benchmark entry points for bench/run.sh; each command prints one JSON object.")
public final class BenchMain {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BenchMain() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    return new CommandLine(new BenchMain());
  }

  @Command(name = "train", description = "Train one benchmark model and print throughput and held-out loss.")
  static final class Train implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Option(names = "--model", required = true, description = "dense, deep or conv.")
    String model;

    @Option(names = "--epochs", required = true, description = "Epochs; the first is warm-up.")
    int epochs;

    @Option(names = "--batch", description = "Batch size. Default: the model's (dense/deep 256, conv 128).")
    Integer batch;

    @Option(names = "--limit", description = "Train on the first N training digits only.")
    Integer limit;

    @Option(names = "--seed", defaultValue = "42", description = "Seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--home", defaultValue = ".", description = "Project folder (data/mnist). Default: .")
    Path home;

    @Option(names = "--export", paramLabel = "DIR",
        description = "Also export the trained model into DIR/<model>/<version>/ (TF Serving layout).")
    Path export;

    @Override
    public Integer call() throws Exception {
      Mnist.Split mnist = Mnist.load(home);
      Dataset train = limit == null ? mnist.train() : mnist.train().head(Math.min(limit, mnist.train().count()));
      AutoencoderSpec spec = BenchModels.spec(model, epochs, batch, seed);
      long started = System.nanoTime();
      Map<String, Object> out = new LinkedHashMap<>();
      Trainer trainer = new Trainer();
      boolean xla = trainer.usesXla(spec, train.count());
      try (TrainedModel trained = trainer.train(spec, TrainingData.autoencoding(train, null),
          ProgressListener.NONE)) {
        double trainWall = (System.nanoTime() - started) / 1e9;
        double[] heldOut = trained.evaluate(mnist.test(), mnist.test(), 1000);
        TrainingHistory history = trained.history();
        List<Double> seconds = new ArrayList<>();
        List<Double> rates = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        for (EpochStats e : history.epochs()) {
          seconds.add(e.seconds());
          rates.add(e.samplesPerSecond());
          losses.add(e.loss());
        }
        out.put("side", "java");
        out.put("model", model);
        out.put("spec", SpecJson.toTree(spec));
        out.put("parameters", trained.weights().parameterCount());
        out.put("train_samples", train.count());
        out.put("heldout_samples", mnist.test().count());
        out.put("epochs", epochs);
        out.put("batch", spec.training().batchSize());
        out.put("threads", threadsNote());
        out.put("xla", xla);
        out.put("epoch_seconds", seconds);
        out.put("epoch_samples_per_s", rates);
        out.put("epoch_train_loss", losses);
        out.put("steady_samples_per_s", history.steadySamplesPerSecond());
        out.put("heldout_loss", heldOut[0] + heldOut[1]);
        out.put("train_wall_s", trainWall);
        out.put("versions", versions());
        if (export != null) {
          ModelCard card = ModelCard.create(spec, trained.loss().jsonName(), trained.weights().parameterCount(),
              history, train);
          out.put("exported", SavedModelExporter.export(export, spec, trained.weights(), card).directory()
              .toString());
        }
      }
      command.commandLine().getOut().println(JSON.writeValueAsString(out));
      command.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "matmul",
      description = "Measure float32 matmul GFLOP/s of an N×N by N×N product in a TensorFlow Java session.")
  static final class Matmul implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Option(names = "--size", defaultValue = "2048", description = "N. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--seconds", defaultValue = "3", description = "Time to spend measuring. Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Override
    public Integer call() throws Exception {
      int n = size;
      float[] a = new float[n * n];
      float[] b = new float[n * n];
      SplittableRandom random = new SplittableRandom(1);
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) random.nextDouble(-1, 1);
        b[i] = (float) random.nextDouble(-1, 1);
      }
      List<Double> runs = new ArrayList<>();
      try (Graph graph = new Graph()) {
        Ops tf = Ops.create(graph);
        Placeholder<TFloat32> pa = tf.placeholder(TFloat32.class);
        Placeholder<TFloat32> pb = tf.placeholder(TFloat32.class);
        // Summing the product keeps the fetch to one scalar; the reduction is n² adds against 2n³ for the product.
        var sum = tf.sum(tf.linalg.matMul(pa, pb), tf.constant(new int[] {0, 1}));
        try (Session session = new Session(graph);
            TFloat32 ta = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(a, true, false));
            TFloat32 tb = TFloat32.tensorOf(Shape.of(n, n), DataBuffers.of(b, true, false))) {
          long deadline = System.nanoTime() + (long) (seconds * 1e9);
          int i = 0;
          while (i < 3 || System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            try (Result r = session.runner().feed(pa, ta).feed(pb, tb).fetch(sum).run()) {
              ((TFloat32) r.get(0)).getFloat();
            }
            double dt = (System.nanoTime() - t0) / 1e9;
            if (i > 0) { // the first run allocates and picks kernels
              runs.add(2.0 * n * n * n / dt / 1e9);
            }
            i++;
          }
        }
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("side", "java");
      out.put("what", "TensorFlow Java session, MatMul " + n + "x" + n + " float32, TF default threads");
      out.put("size", n);
      out.put("runs", runs.size());
      out.put("gflops_best", runs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN));
      out.put("gflops_median", median(runs));
      out.put("versions", versions());
      command.commandLine().getOut().println(JSON.writeValueAsString(out));
      command.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(name = "predict",
      description = {"Model-only inference cost, no HTTP: a SavedModel's serving_default called through LoadedModel",
          "(the server's path) at batch 1 and at --batch, per sample. Bounds what server-side batching can save."})
  static final class Predict implements Callable<Integer> {
    @Spec
    CommandSpec command;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "A SavedModel version folder.")
    Path model;

    @Option(names = "--batch", defaultValue = "64", description = "The batched size. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seconds", defaultValue = "2", description = "Time per batch size. Default: ${DEFAULT-VALUE}.")
    double seconds;

    @Option(names = "--concurrency", defaultValue = "64",
        description = "Threads calling at batch 1 at once, as unbatched requests do. Default: ${DEFAULT-VALUE}.")
    int concurrency;

    @Override
    public Integer call() throws Exception {
      Map<String, Object> out = new LinkedHashMap<>();
      try (LoadedModel loaded = LoadedModel.load(model)) {
        SignatureInfo sig = loaded.signature("serving_default");
        TensorSpec input = sig.inputs().get(0);
        long perSample = 1;
        for (int i = 1; i < input.shape().length; i++) {
          perSample *= input.shape()[i];
        }
        for (int n : new int[] {1, batch}) {
          long[] shape = input.shape().clone();
          shape[0] = n;
          float[] values = new float[(int) (n * perSample)];
          Arrays.fill(values, 0.5f);
          Map<String, HostTensor> feed = Map.of(input.key(), HostTensor.ofFloats(shape, values));
          for (int i = 0; i < 50; i++) {
            loaded.run(sig.key(), feed);
          }
          List<Double> micros = new ArrayList<>();
          long deadline = System.nanoTime() + (long) (seconds * 1e9);
          while (micros.size() < 20 || System.nanoTime() < deadline) {
            long t0 = System.nanoTime();
            loaded.run(sig.key(), feed);
            micros.add((System.nanoTime() - t0) / 1e3);
          }
          Map<String, Object> r = new LinkedHashMap<>();
          r.put("calls", micros.size());
          r.put("median_us_per_call", median(micros));
          r.put("median_us_per_sample", median(micros) / n);
          out.put("batch_" + n, r);
          if (n == 1) {
            out.put("batch_1_concurrent", concurrent(loaded, sig.key(), feed, concurrency, seconds));
          }
        }
      }
      out.put("side", "java");
      out.put("model", model.toString());
      out.put("threads", threadsNote());
      command.commandLine().getOut().println(JSON.writeValueAsString(out));
      command.commandLine().getOut().flush();
      return 0;
    }
  }

  /**
   * The server's JSON number conversion for one single-sample request and response, with the JDK's float text
   * routines (Jackson's defaults) against Jackson's Schubfach writer and FastDoubleParser (what the server enables):
   * the profile of a {@code :predict} showed float text conversion as its largest cost.
   */
  @Command(name = "json", description = "Time writing and parsing a JSON array of floats, JDK vs Jackson's fast "
      + "float routines.")
  static final class Json implements Callable<Integer> {
    /** Jackson's defaults: the JDK's float text routines. */
    static final JsonFactory JDK = JsonFactory.builder().build();
    /** The float routines the server's factory enables. */
    static final JsonFactory FAST = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

    @Spec
    CommandSpec command;

    @Option(names = "--values", defaultValue = "784", description = "Floats per array. Default: ${DEFAULT-VALUE}.")
    int values;

    @Option(names = "--seconds", defaultValue = "2", description = "Per setting and direction, in three rounds.")
    double seconds;

    @Override
    public Integer call() throws Exception {
      float[] v = new float[values];
      SplittableRandom random = new SplittableRandom(1);
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) random.nextDouble();
      }
      byte[] body = writeFloats(JDK, v);
      // Both ways round the same floats, whichever routine wrote or parses the text.
      if (!Arrays.equals(v, readFloats(FAST, body)) || !Arrays.equals(v, readFloats(JDK, body))
          || !Arrays.equals(v, readFloats(JDK, writeFloats(FAST, v)))) {
        throw new IllegalStateException("the fast float routines changed the numbers");
      }
      Map<String, List<Double>> micros = new LinkedHashMap<>();
      for (int round = 0; round < 4; round++) { // round 0 warms up; settings alternate so drift hits both
        for (String setting : List.of("jdk", "fast")) {
          JsonFactory f = setting.equals("jdk") ? JDK : FAST;
          double w = timePerCall(() -> writeFloats(f, v), seconds / 3);
          double r = timePerCall(() -> readFloats(f, body), seconds / 3);
          if (round > 0) {
            micros.computeIfAbsent(setting + "_write_us", k -> new ArrayList<>()).add(w);
            micros.computeIfAbsent(setting + "_parse_us", k -> new ArrayList<>()).add(r);
          }
        }
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("values", values);
      out.put("body_bytes", body.length);
      micros.forEach((k, list) -> out.put(k, median(list)));
      out.put("versions", versions());
      command.commandLine().getOut().println(JSON.writeValueAsString(out));
      command.commandLine().getOut().flush();
      return 0;
    }

    private static double timePerCall(Callable<?> call, double seconds) throws Exception {
      long calls = 0;
      long start = System.nanoTime();
      long deadline = start + (long) (seconds * 1e9);
      Object sink = null;
      while (calls < 50 || System.nanoTime() < deadline) {
        sink = call.call();
        calls++;
      }
      if (sink == null) {
        throw new IllegalStateException("no result");
      }
      return (System.nanoTime() - start) / 1e3 / calls;
    }

    static byte[] writeFloats(JsonFactory f, float[] v) throws IOException {
      ByteArrayOutputStream out = new ByteArrayOutputStream(v.length * 12);
      try (JsonGenerator g = f.createGenerator(out)) {
        g.writeStartArray();
        for (float x : v) {
          g.writeNumber(x);
        }
        g.writeEndArray();
      }
      return out.toByteArray();
    }

    static float[] readFloats(JsonFactory f, byte[] body) throws IOException {
      float[] out = new float[16];
      int n = 0;
      try (JsonParser p = f.createParser(body)) {
        p.nextToken();
        while (p.nextToken() == JsonToken.VALUE_NUMBER_FLOAT) {
          if (n == out.length) {
            out = Arrays.copyOf(out, 2 * n);
          }
          out[n++] = p.getFloatValue();
        }
      }
      return Arrays.copyOf(out, n);
    }
  }

  /** {@code concurrency} threads calling at once for {@code seconds}: calls per second over all of them. */
  static Map<String, Object> concurrent(LoadedModel loaded, String key, Map<String, HostTensor> feed,
      int concurrency, double seconds) throws InterruptedException {
    java.util.concurrent.atomic.AtomicLong calls = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < concurrency; t++) {
      Thread thread = new Thread(() -> {
        while (!stop.get()) {
          loaded.run(key, feed);
          calls.incrementAndGet();
        }
      }, "predict-" + t);
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
    Thread.sleep(300); // all threads running
    long c0 = calls.get();
    long t0 = System.nanoTime();
    Thread.sleep((long) (seconds * 1000));
    long c1 = calls.get();
    double elapsed = (System.nanoTime() - t0) / 1e9;
    stop.set(true);
    for (Thread t : threads) {
      t.join();
    }
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("threads", concurrency);
    r.put("calls_per_s", (c1 - c0) / elapsed);
    r.put("wall_us_per_call", elapsed * 1e6 / (c1 - c0));
    return r;
  }

  static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (v.length == 0) {
      return Double.NaN;
    }
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  /** The session config is TensorFlow's default (0 = sized by the runtime, or by TF_NUM_*_THREADS when set). */
  static String threadsNote() {
    String intra = System.getenv("TF_NUM_INTRAOP_THREADS");
    String inter = System.getenv("TF_NUM_INTEROP_THREADS");
    if (intra != null || inter != null) {
      return "intra-op " + (intra == null ? "default" : intra) + ", inter-op " + (inter == null ? "default" : inter)
          + " (TF_NUM_*_THREADS)";
    }
    return "TensorFlow defaults (intra-op and inter-op: all " + Runtime.getRuntime().availableProcessors()
        + " cores)";
  }

  static Map<String, String> versions() {
    BuildInfo build = BuildInfo.current();
    Map<String, String> v = new LinkedHashMap<>();
    v.put("aebridge", build.projectVersion());
    v.put("tensorflow_java", build.tensorflowJavaVersion());
    v.put("tensorflow_runtime", build.tensorflowRuntimeVersion());
    v.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    v.put("os_arch", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    return v;
  }
}
