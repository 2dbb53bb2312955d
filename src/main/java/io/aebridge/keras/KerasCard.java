package io.aebridge.keras;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.aebridge.load.BuildInfo;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model card of an imported Keras model ({@code model-card.json} beside the SavedModel): the source file and
 * its SHA-256, the Keras version that wrote it, every layer with the TensorFlow ops it became, the autoencoder's
 * code layer and how it was found, and the versions that did the import. {@code spec.inputShape} is set for image
 * autoencoders so the server's picture endpoints know the geometry, as for models trained here.
 */
public record KerasCard(int schemaVersion, String name, String kind, String createdAt, Map<String, Object> source,
    Map<String, Object> spec, List<Map<String, String>> layers, Map<String, String> autoencoder,
    long parameterCount, Map<String, String> signatures, Map<String, String> versions) {

  public static final int SCHEMA_VERSION = 1;
  public static final String KIND = "keras-import";
  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** What each Keras class becomes, for the card and docs/keras-import.md. */
  static final Map<String, String> MAPPING = Map.ofEntries(
      Map.entry("InputLayer", "Placeholder [-1, …shape]"),
      Map.entry("Dense", "MatMul + BiasAdd (+ activation)"),
      Map.entry("Conv2D", "Conv2D (+ BiasAdd, activation)"),
      Map.entry("Conv2DTranspose", "Conv2DBackpropInput (+ BiasAdd, activation)"),
      Map.entry("MaxPooling2D", "MaxPool"),
      Map.entry("AveragePooling2D", "AvgPool"),
      Map.entry("UpSampling2D", "ResizeNearestNeighbor / ResizeBilinear (half-pixel centres)"),
      Map.entry("ZeroPadding2D", "PadV2"),
      Map.entry("Cropping2D", "Slice"),
      Map.entry("Flatten", "Reshape"),
      Map.entry("Reshape", "Reshape"),
      Map.entry("Dropout", "identity (inference)"),
      Map.entry("GaussianNoise", "identity (inference)"),
      Map.entry("ActivityRegularization", "identity (inference)"),
      Map.entry("Activation", "the activation's op"),
      Map.entry("LeakyReLU", "LeakyRelu"),
      Map.entry("BatchNormalization", "x·γ/√(σ²+ε) + (β − μ·γ/√(σ²+ε)) with the moving statistics"),
      Map.entry("Add", "AddV2"),
      Map.entry("Concatenate", "ConcatV2"),
      Map.entry("Functional", "its layers, inlined"),
      Map.entry("Model", "its layers, inlined"),
      Map.entry("Sequential", "its layers, inlined"));

  /** The card of {@code model}, imported as {@code name}. */
  public static KerasCard of(String name, KerasModel model) {
    KerasModel.Source s = model.source();
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("file", s.file().toAbsolutePath().normalize().toString());
    source.put("sha256", s.sha256());
    source.put("format", s.format().equals("keras") ? "Keras 3 .keras (zip)" : "Keras 2 / tf.keras .h5 (HDF5)");
    source.put("kerasVersion", s.kerasVersion());
    source.put("modelClass", s.modelClass());
    List<Map<String, String>> layers = new ArrayList<>();
    s.layers().forEach((path, cls) -> {
      Map<String, String> row = new LinkedHashMap<>();
      row.put("layer", path);
      row.put("class", cls);
      row.put("mappedTo", MAPPING.getOrDefault(cls, "?"));
      layers.add(row);
    });
    Map<String, String> autoencoder = null;
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("kind", KIND);
    if (s.codeLayer() != null) {
      autoencoder = new LinkedHashMap<>();
      autoencoder.put("codeLayer", s.codeLayer());
      autoencoder.put("foundBy", s.codeFoundBy());
      long[] in = model.signature(KerasModel.ENCODE).inputs().get(0).shape();
      if (in != null && in.length == 4) {
        spec.put("inputShape", List.of(in[1], in[2], in[3]));
      }
    }
    Map<String, String> signatures = new LinkedHashMap<>();
    for (SignatureInfo sig : model.signatures()) {
      signatures.put(sig.key(), sig.inputs().stream().map(TensorSpec::toString).toList() + " → "
          + sig.outputs().stream().map(TensorSpec::toString).toList());
    }
    BuildInfo build = BuildInfo.current();
    Map<String, String> versions = new LinkedHashMap<>();
    versions.put("aebridge", build.projectVersion());
    versions.put("tensorflowJava", build.tensorflowJavaVersion());
    versions.put("tensorflowRuntime", build.tensorflowRuntimeVersion());
    versions.put("java", build.javaVersion());
    return new KerasCard(SCHEMA_VERSION, name, KIND, Instant.now().toString(), source, spec, layers, autoencoder,
        s.parameterCount(), signatures, versions);
  }

  /** Writes the card through a temporary file and a rename. */
  public void write(Path file) throws IOException {
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temp, MAPPER.writeValueAsString(this));
    Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
