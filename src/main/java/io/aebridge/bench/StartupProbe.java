package io.aebridge.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.aebridge.load.LoadedModel;
import io.aebridge.load.ModelLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.TensorFlow;

/**
 * The native parts of a server's start-up, timed one by one in a fresh JVM (bench/bench.py's cold-start part runs
 * it beside the real server, whose log gives the rest of the breakdown): JVM start to {@code main}, loading
 * TensorFlow's native library, the first SavedModel session, and the same model loaded again (what a model costs
 * once TensorFlow is up). Prints one JSON object.
 *
 * <pre>java -cp target/aebridge.jar io.aebridge.bench.StartupProbe MODEL_DIR [MORE_MODEL_DIRS...]</pre>
 *
 * <p>Each {@code MODEL_DIR} holds version folders; the newest is loaded.
 */
public final class StartupProbe {
  private StartupProbe() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: StartupProbe MODEL_DIR [MODEL_DIR...] (folders holding version folders)");
      System.exit(2);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    var runtime = ManagementFactory.getRuntimeMXBean();
    out.put("jvm_start_epoch_ms", runtime.getStartTime());
    out.put("main_uptime_ms", runtime.getUptime());
    long t = System.nanoTime();
    String version = TensorFlow.version();
    out.put("tensorflow_native_load_ms", (System.nanoTime() - t) / 1e6);
    out.put("tensorflow_runtime", version);
    List<Map<String, Object>> loads = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (String arg : args) {
        Path dir = Path.of(arg);
        List<Long> versions = ModelLayout.versions(dir);
        if (versions.isEmpty()) {
          throw new IllegalArgumentException(dir + " holds no version folder");
        }
        Path versionDir = dir.resolve(Long.toString(versions.get(versions.size() - 1)));
        t = System.nanoTime();
        try (LoadedModel model = LoadedModel.load(versionDir)) {
          double ms = (System.nanoTime() - t) / 1e6;
          loads.add(Map.of("model", dir.getFileName().toString(), "round", round + 1, "load_ms", ms,
              "signatures", model.signatures().size()));
        }
      }
    }
    out.put("loads", loads);
    out.put("total_uptime_ms", runtime.getUptime());
    System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out));
  }
}
