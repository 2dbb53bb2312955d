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
import org.tensorflow.types.TInt32;

/**
 * Where a training step's time goes, by op type: builds the graph exactly as {@link Trainer} does (same spec,
 * in-graph batches, optimizer and session config, XLA as the trainer would choose), runs warm-up steps, then
 * traces steps with TensorFlow's step stats (with XLA, a compiled cluster shows as one {@code _XlaRun}). A profiling
 * tool for the benchmark (bench/README.md), not a test:
 *
 * <pre>
 * mvn -q test-compile &amp;&amp; java -cp target/test-classes:target/aebridge.jar io.aebridge.train.TrainingStepProfile \
 *     docs/examples/conv.json [steps] [xla|no-xla]
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
    // The trainer's choice for a full run of this spec on these digits; "xla" or "no-xla" as a third argument
    // overrides it.
    boolean xla = args.length > 2 ? args[2].equals("xla") : new Trainer().usesXla(spec, train.count());
    int[] first = new int[batch];
    for (int i = 0; i < batch; i++) {
      first[i] = i;
    }
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      TrainingSet set = TrainingSet.build(tf, spec, false);
      AutoencoderGraph model = AutoencoderGraph.build(tf, spec, new SeededParameters(1), set.batchInputs());
      Objective objective = Objective.build(tf, model, spec, LossKind.BCE, set.batchTargets());
      Op step = Trainer.optimizer(graph, spec.training()).minimize(objective.total(), "train");
      try (Session session = new Session(graph, Trainer.sessionConfig(xla));
          TrainingSet.Tensors all = set.tensors(TrainingData.autoencoding(train, null));
          TInt32 indices = TInt32.vectorOf(first)) {
        for (int i = 0; i < 20; i++) {
          set.feed(session.runner(), all, indices, model, null).addTarget(step).run().close();
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
          set.feed(session.runner(), all, indices, model, null).addTarget(step).run().close();
        }
        double untraced = (System.nanoTime() - t0) / 1e6 / steps;
        Map<String, long[]> byType = new HashMap<>();
        Map<String, String> typeOf = new HashMap<>();
        graph.operations().forEachRemaining(o -> typeOf.put(o.name(), o.type()));
        RunOptions options = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
        long total = 0;
        for (int i = 0; i < steps; i++) {
          try (Result r = set.feed(session.runner(), all, indices, model, null).addTarget(step)
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
        System.out.printf(Locale.ROOT,
            "%s, batch %d, %s: %.2f ms/step untraced; op time summed over threads %.2f ms/step%n",
            spec.name(), batch, xla ? "XLA" : "no XLA", untraced, total / 1000.0 / steps);
        for (var e : rows.subList(0, Math.min(25, rows.size()))) {
          System.out.printf(Locale.ROOT, "  %-32s %8.2f ms/step %5.1f%%  (%d per step)%n", e.getKey(),
              e.getValue()[0] / 1000.0 / steps, 100.0 * e.getValue()[0] / total, e.getValue()[1] / steps);
        }
      }
    }
  }
}
