package io.aebridge.load;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/**
 * A signature discovered from a SavedModel: key, and inputs and outputs sorted by key.
 *
 * @param key the signature key ({@code serving_default}, {@code encode}, {@code serve} …)
 * @param methodName e.g. {@code tensorflow/serving/predict}
 * @param inputs the inputs, sorted by key
 * @param outputs the outputs, sorted by key
 */
public record SignatureInfo(String key, String methodName, List<TensorSpec> inputs, List<TensorSpec> outputs) {
  public SignatureInfo {
    inputs = List.copyOf(inputs);
    outputs = List.copyOf(outputs);
  }

  static SignatureInfo of(String key, SignatureDef def) {
    return new SignatureInfo(key, def.getMethodName(), specs(def.getInputsMap()), specs(def.getOutputsMap()));
  }

  private static List<TensorSpec> specs(Map<String, TensorInfo> infos) {
    List<TensorSpec> out = new ArrayList<>();
    // A SignatureDef's inputs and outputs are protobuf maps, which carry no order (Java writers emit them in hash
    // order); sorting by key gives one stable order, the one Python's serializer and saved_model_cli use.
    new TreeMap<>(infos).forEach((name, info) ->
        out.add(new TensorSpec(name, info.getName(), info.getDtype(), dims(info))));
    return out;
  }

  private static long[] dims(TensorInfo info) {
    TensorShapeProto shape = info.getTensorShape();
    if (shape.getUnknownRank()) {
      return null;
    }
    return shape.getDimList().stream().mapToLong(TensorShapeProto.Dim::getSize).toArray();
  }

  public TensorSpec input(String name) {
    return inputs.stream().filter(t -> t.key().equals(name)).findFirst().orElseThrow(() ->
        new IllegalArgumentException("Signature '" + key + "' has no input '" + name + "'; inputs are "
            + inputs.stream().map(TensorSpec::key).toList()));
  }

  /**
   * Checks {@code inputs} against this signature: every input present and no other, each of the declared dtype and
   * of a shape the declared one accepts. The one check of a feed; the server's core adds its limits on top.
   *
   * @throws InvalidInputException naming what was expected and what came
   */
  public void checkInputs(Map<String, HostTensor> feed) {
    for (String name : feed.keySet()) {
      if (feed.get(name) == null || findInput(name) == null) {
        throw new InvalidInputException("Signature '" + key + "' has no input '" + name + "'; its inputs are "
            + inputNames());
      }
    }
    for (TensorSpec spec : inputs) {
      HostTensor t = feed.get(spec.key());
      if (t == null) {
        throw new InvalidInputException("Signature '" + key + "' needs input '" + spec.key() + "' (" + spec.dtype()
            + " " + spec.shapeText() + "); got " + feed.keySet());
      }
      if (t.dtype() != spec.dtype()) {
        throw new InvalidInputException("Input '" + spec.key() + "' of signature '" + key + "' expects "
            + spec.dtype() + ", got " + t.dtype());
      }
      if (!spec.accepts(t.shape())) {
        throw new InvalidInputException("Input '" + spec.key() + "' of signature '" + key + "' expects shape "
            + spec.shapeText() + ", got " + Arrays.toString(t.shape()));
      }
    }
  }

  /** The input keys, sorted. */
  public List<String> inputNames() {
    return inputs.stream().map(TensorSpec::key).toList();
  }

  /** The output keys, sorted. */
  public List<String> outputNames() {
    return outputs.stream().map(TensorSpec::key).toList();
  }

  private TensorSpec findInput(String name) {
    for (TensorSpec t : inputs) {
      if (t.key().equals(name)) {
        return t;
      }
    }
    return null;
  }

  /** The signature in {@code saved_model_cli show --all}'s layout. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    b.append("signature_def['").append(key).append("']:\n");
    b.append("  The given SavedModel SignatureDef contains the following input(s):\n");
    for (TensorSpec t : inputs) {
      append(b, "inputs", t);
    }
    b.append("  The given SavedModel SignatureDef contains the following output(s):\n");
    for (TensorSpec t : outputs) {
      append(b, "outputs", t);
    }
    b.append("  Method name is: ").append(methodName).append('\n');
    return b.toString();
  }

  private static void append(StringBuilder b, String side, TensorSpec t) {
    b.append("    ").append(side).append("['").append(t.key()).append("'] tensor_info:\n");
    b.append("        dtype: ").append(t.dtype()).append('\n');
    b.append("        shape: ").append(t.shapeText()).append('\n');
    b.append("        name: ").append(t.tensorName()).append('\n');
  }
}
