package io.aebridge.export;

import io.aebridge.graph.AssignedParameters;
import io.aebridge.graph.AutoencoderGraph;
import io.aebridge.graph.ModelWeights;
import io.aebridge.load.ModelLayout;
import io.aebridge.spec.AutoencoderSpec;
import io.aebridge.spec.SignatureNames;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Exports trained weights as a SavedModel in the TF Serving layout {@code <root>/<name>/<version>/}.
 *
 * <p>The SavedModel is a clean inference graph rebuilt from the spec — no optimizer state, no training ops — with
 * the three {@link SignatureNames} signatures, tag {@code serve}. It is written into a {@code .tmp-} folder beside the
 * versions and renamed into the next free version in one atomic step, so a crash or kill never leaves a partial
 * version visible; a failed export deletes its temporary folder. Several exporters may run at once: a version
 * taken by another is skipped.
 */
public final class SavedModelExporter {
  /** Temporary folders older than this are debris of a killed export and are removed by the next export. */
  static final Duration STALE_TEMP_AGE = Duration.ofHours(1);
  private static final int MAX_VERSION_RACES = 100;

  private SavedModelExporter() {}

  /** Where an export landed. */
  public record Exported(Path directory, long version) {}

  /** Exports into the next free version under {@code root/spec.name()}. */
  public static Exported export(Path root, AutoencoderSpec spec, ModelWeights weights, ModelCard card)
      throws IOException {
    return export(root, spec, weights, card, () -> {});
  }

  /** As {@link #export(Path, AutoencoderSpec, ModelWeights, ModelCard)}, running {@code beforeRename} last. */
  static Exported export(Path root, AutoencoderSpec spec, ModelWeights weights, ModelCard card,
      Runnable beforeRename) throws IOException {
    Path modelDir = root.resolve(spec.name());
    Files.createDirectories(modelDir);
    removeStaleTemporaries(modelDir);
    Path temp = Files.createTempDirectory(modelDir, ModelLayout.TEMP_PREFIX + "export-");
    try {
      Map<String, String> signatures = writeSavedModel(temp, spec, weights);
      card.withSignatures(signatures).write(temp.resolve(ModelLayout.MODEL_CARD_FILE));
      beforeRename.run();
      for (int attempt = 0; attempt < MAX_VERSION_RACES; attempt++) {
        long version = ModelLayout.nextVersion(modelDir);
        Path target = modelDir.resolve(Long.toString(version));
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
          return new Exported(target, version);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException taken) {
          // Another exporter claimed this version between our look and our rename: take the next one.
        } catch (AtomicMoveNotSupportedException e) {
          throw new IOException("Cannot rename " + temp + " atomically into " + target
              + "; the models folder must be on one file system", e);
        }
      }
      throw new IOException("Gave up finding a free version under " + modelDir + " after " + MAX_VERSION_RACES
          + " concurrent exports");
    } catch (IOException | RuntimeException | Error e) {
      ModelLayout.deleteRecursively(temp);
      throw e;
    }
  }

  /**
   * Writes a SavedModel of {@code spec} holding {@code weights} into {@code dir} (which must be empty or absent).
   * Exposed for tools that manage their own layout.
   *
   * @return the exported signatures as the model card summarises them: key → {@code x [-1, 784] -> code [-1, 32]}
   */
  public static Map<String, String> writeSavedModel(Path dir, AutoencoderSpec spec, ModelWeights weights)
      throws IOException {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      AssignedParameters params = new AssignedParameters();
      AutoencoderGraph model = AutoencoderGraph.build(tf, spec, params);
      try (Session session = new Session(graph)) {
        for (AssignedParameters.Slot slot : params.slots()) {
          ModelWeights.Tensor value = weights.get(slot.variable().op().name());
          if (!Shape.of(value.shape()).equals(slot.variable().shape())) {
            throw new IllegalArgumentException("Weights for " + slot.variable().op().name() + " have shape "
                + Shape.of(value.shape()) + ", the spec needs " + slot.variable().shape());
          }
          try (TFloat32 t = TFloat32.tensorOf(Shape.of(value.shape()), DataBuffers.of(value.values(), true, false))) {
            session.runner().feed(slot.value(), t).addTarget(slot.assign()).run().close();
          }
        }
        Signature serve = Signature.builder().key(SignatureNames.SERVING_DEFAULT)
            .input(SignatureNames.INPUT, model.input()).output(SignatureNames.RECONSTRUCTION, model.reconstruction())
            .methodName(SignatureNames.PREDICT_METHOD).build();
        Signature encode = Signature.builder().key(SignatureNames.ENCODE)
            .input(SignatureNames.INPUT, model.input()).output(SignatureNames.CODE, model.code())
            .methodName(SignatureNames.PREDICT_METHOD).build();
        Signature decode = Signature.builder().key(SignatureNames.DECODE)
            .input(SignatureNames.CODE, model.codeInput()).output(SignatureNames.RECONSTRUCTION, model.decoded())
            .methodName(SignatureNames.PREDICT_METHOD).build();
        SavedModelBundle.exporter(dir.toString()).withSession(session)
            .withFunctions(SessionFunction.create(serve, session), SessionFunction.create(encode, session),
                SessionFunction.create(decode, session))
            .export();
        Map<String, String> summary = new LinkedHashMap<>();
        for (Signature sig : List.of(serve, encode, decode)) {
          summary.put(sig.key(), describe(sig.getInputs()) + " -> " + describe(sig.getOutputs()));
        }
        return summary;
      }
    }
  }

  /** {@code name shape} of each tensor, comma-separated ({@code x [-1, 784]}). */
  private static String describe(Map<String, Signature.TensorDescription> tensors) {
    List<String> parts = new ArrayList<>();
    tensors.forEach((name, t) -> parts.add(name + " " + t.shape));
    return String.join(", ", parts);
  }

  private static void removeStaleTemporaries(Path modelDir) throws IOException {
    Instant cutoff = Instant.now().minus(STALE_TEMP_AGE);
    try (Stream<Path> children = Files.list(modelDir)) {
      for (Path child : (Iterable<Path>) children::iterator) {
        if (child.getFileName().toString().startsWith(ModelLayout.TEMP_PREFIX)) {
          FileTime modified = Files.getLastModifiedTime(child);
          if (modified.toInstant().isBefore(cutoff)) {
            ModelLayout.deleteRecursively(child);
          }
        }
      }
    }
  }

}
