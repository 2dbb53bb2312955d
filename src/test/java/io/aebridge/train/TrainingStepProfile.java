package io.aebridge.train;

import io.aebridge.data.Dataset;
import io.aebridge.data.Mnist;
import io.aebridge.graph.AutoencoderGraph;
import io.aebridge.graph.Objective;
import io.aebridge.graph.SeededParameters;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.LossKind;
import io.aebridge.spec.SpecJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunMetadata;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.proto.StepStats;
import org.tensorflow.types.TFloat32;

/**
 * Where a training step's time goes, by op type: builds the graph exactly as {@link Trainer} does (same spec,
 * optimizer and session config), runs warm-up steps, then traces steps with TensorFlow's step stats. A profiling
 * tool for the benchmark (bench/README.md), not a test:
 *
 * <pre>
 * mvn -q test-compile &amp;&amp; java -cp target/test-classes:target/aebridge.jar io.aebridge.train.TrainingStepProfile \
 *     docs/examples/conv.json [steps]
 * </pre>
 */
public final class TrainingStepProfile {
  private static final java.util.regex.Pattern LABEL = java.util.regex.Pattern.compile("= ([A-Za-z0-9_]+)\\(");

  private TrainingStepProfile() {}

  public static void main(String[] args) throws Exception {
    AutoencoderSpec spec = SpecJson.parse(Files.readString(Path.of(args[0])));
    int steps = args.length > 1 ? Integer.parseInt(args[1]) : 20;
    Dataset train = Mnist.load(Path.of(".")).train();
    int batch = spec.training().batchSize();
    int sampleSize = spec.inputSize();
    float[] x = java.util.Arrays.copyOf(train.values(), batch * sampleSize);
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      AutoencoderGraph model = AutoencoderGraph.build(tf, spec, new SeededParameters(1));
      Objective objective = Objective.build(tf, model, spec, LossKind.BCE);
      Op step = Trainer.optimizer(graph, spec.training()).minimize(objective.total(), "train");
      try (Session session = new Session(graph, Trainer.SESSION_CONFIG);
          TFloat32 in = Batches.tensor(model, x, 0, batch, sampleSize)) {
        for (int i = 0; i < 20; i++) {
          session.runner().feed(model.input(), in).feed(objective.target(), in).addTarget(step).run().close();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          session.runner().feed(model.input(), in).feed(objective.target(), in).addTarget(step).run().close();
        }
        double untraced = (System.nanoTime() - t0) / 1e6 / steps;
        Map<String, long[]> byType = new HashMap<>();
        Map<String, String> typeOf = new HashMap<>();
        graph.operations().forEachRemaining(o -> typeOf.put(o.name(), o.type()));
        RunOptions options = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
        long total = 0;
        for (int i = 0; i < steps; i++) {
          try (Result r = session.runner().feed(model.input(), in).feed(objective.target(), in).addTarget(step)
              .setOptions(options).runAndFetchMetadata()) {
            RunMetadata meta = r.getMetadata().orElseThrow();
            StepStats stats = meta.getStepStats();
            for (var device : stats.getDevStatsList()) {
              for (NodeExecStats n : device.getNodeStatsList()) {
                // The executed graph is Grappler's rewrite (e.g. Conv2D+BiasAdd+Relu fused into _FusedConv2D
                // under the last node's name): the label "name = Type(inputs)" names the op type that ran.
                java.util.regex.Matcher m = LABEL.matcher(n.getTimelineLabel());
                String type = m.find() ? m.group(1) : typeOf.getOrDefault(n.getNodeName(), n.getNodeName());
                long micros = n.getOpEndRelMicros() - n.getOpStartRelMicros();
                long[] acc = byType.computeIfAbsent(type, k -> new long[2]);
                acc[0] += micros;
                acc[1]++;
                total += micros;
              }
            }
          }
        }
        List<Map.Entry<String, long[]>> rows = new ArrayList<>(byType.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        System.out.printf(Locale.ROOT, "%s, batch %d: %.2f ms/step untraced; op time summed over threads %.2f ms/step%n",
            spec.name(), batch, untraced, total / 1000.0 / steps);
        for (var e : rows.subList(0, Math.min(25, rows.size()))) {
          System.out.printf(Locale.ROOT, "  %-32s %8.2f ms/step %5.1f%%  (%d per step)%n", e.getKey(),
              e.getValue()[0] / 1000.0 / steps, 100.0 * e.getValue()[0] / total, e.getValue()[1] / steps);
        }
      }
    }
  }
}
