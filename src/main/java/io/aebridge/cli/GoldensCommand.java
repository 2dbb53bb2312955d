package io.aebridge.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.aebridge.data.DataSources;
import io.aebridge.data.Dataset;
import io.aebridge.data.Mnist;
import io.aebridge.data.NpyFiles;
import io.aebridge.load.BuildInfo;
import io.aebridge.load.HostTensor;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.tensorflow.proto.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "goldens",
    description = {
        "Write golden inputs and outputs of a SavedModel as NPY files, computed by TensorFlow Java. For "
            + "every signature with one float input: the input batch, and each output as "
            + "<signature>__<output>.npy, plus manifest.json (the layout python-reference/check_java_export.py "
            + "reads). Signatures whose input is a code (e.g. decode) are fed the encode output of the same "
            + "batch.",
        "",
        "Example:",
        "  aebridge goldens saved-models/dense-784-32 --out /tmp/goldens",
        "  .venv/bin/python python-reference/check_java_export.py --model saved-models/dense-784-32/1 \\",
        "      --goldens /tmp/goldens"})
final class GoldensCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Parameters(paramLabel = "DIR", description = "A version folder, or a model folder (its latest version).")
  Path dir;

  @Option(names = "--out", paramLabel = "DIR", required = true, description = "Where to write the NPY files.")
  Path out;

  @Option(names = "--input", paramLabel = "PATH", description = "Samples to feed. Default: the first MNIST held-out digits.")
  Path input;

  @Option(names = "--count", paramLabel = "N", defaultValue = "8", description = "Samples in the batch. Default: ${DEFAULT-VALUE}.")
  int count;

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    Path version = InspectCommand.resolveVersion(dir);
    Dataset samples = (input == null ? Mnist.load(main.home()).test() : DataSources.read(input)).head(count);
    Files.createDirectories(out);
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schema_version", 1);
    manifest.put("model_dir", version.toAbsolutePath().toString());
    manifest.put("input_source", samples.source());
    manifest.put("outputs_computed_by", "TensorFlow Java " + BuildInfo.current().tensorflowJavaVersion()
        + " (runtime " + BuildInfo.current().tensorflowRuntimeVersion() + "), LoadedModel.run");
    manifest.put("tolerance", 1e-5);
    ObjectNode signatures = manifest.putObject("signatures");
    try (LoadedModel model = LoadedModel.load(version)) {
      Map<String, HostTensor> codes = new LinkedHashMap<>();
      // Signatures fed with samples first, so that code-fed ones can reuse their code outputs.
      for (int pass = 0; pass < 2; pass++) {
        for (SignatureInfo s : model.signatures()) {
          if (s.inputs().size() != 1 || s.inputs().get(0).dtype() != DataType.DT_FLOAT || !s.inputs().get(0).rankKnown()) {
            continue;
          }
          TensorSpec in = s.inputs().get(0);
          HostTensor feed = asInput(in, samples);
          if ((feed == null) == (pass == 0)) {
            continue;
          }
          if (feed == null) {
            feed = codes.values().stream().filter(c -> in.accepts(c.shape())).findFirst().orElse(null);
            if (feed == null) {
              continue;
            }
          }
          String inputFile = s.key() + "__input.npy";
          NpyFiles.write(out.resolve(inputFile), feed.floats(), feed.shape());
          ObjectNode sig = signatures.putObject(s.key());
          sig.put("method_name", s.methodName());
          describe(sig.putObject("inputs").putObject(in.key()), in, inputFile, feed.shape());
          ObjectNode outputs = sig.putObject("outputs");
          for (Map.Entry<String, HostTensor> o : model.run(s.key(), Map.of(in.key(), feed)).entrySet()) {
            String file = s.key() + "__" + o.getKey() + ".npy";
            NpyFiles.write(out.resolve(file), o.getValue().floats(), o.getValue().shape());
            describe(outputs.putObject(o.getKey()), s.outputs().stream().filter(t -> t.key().equals(o.getKey()))
                .findFirst().orElseThrow(), file, o.getValue().shape());
            codes.putIfAbsent(s.key() + "/" + o.getKey(), o.getValue());
          }
        }
      }
    }
    Files.writeString(out.resolve("manifest.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(manifest));
    System.out.println("Wrote goldens of " + signatures.size() + " signature(s) to " + out);
    return signatures.isEmpty() ? Main.EXIT_USAGE : 0;
  }

  /** The samples shaped for {@code in}, or null when they do not fit it (e.g. a decode's code input). */
  private static HostTensor asInput(TensorSpec in, Dataset samples) {
    long[] shape = in.shape().clone();
    shape[0] = samples.count();
    long perSample = 1;
    for (int i = 1; i < shape.length; i++) {
      if (shape[i] < 0) {
        return null;
      }
      perSample *= shape[i];
    }
    return perSample == samples.sampleSize() ? HostTensor.ofFloats(shape, samples.values()) : null;
  }

  private static void describe(ObjectNode node, TensorSpec spec, String file, long[] goldenShape) {
    node.put("dtype", spec.dtype() == DataType.DT_FLOAT ? "float32" : spec.dtype().name());
    ArrayNode shape = node.putArray("shape");
    for (long d : spec.shape()) {
      shape.add(d);
    }
    node.put("file", file);
    ArrayNode golden = node.putArray("golden_shape");
    for (long d : goldenShape) {
      golden.add(d);
    }
  }
}
