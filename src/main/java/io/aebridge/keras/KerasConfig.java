package io.aebridge.keras;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The architecture of a Keras model, parsed from {@code config.json} (Keras 3) or the {@code model_config}
 * attribute (legacy HDF5) into immutable records. Sequential models become the same node graph as Functional ones.
 * Every layer is checked here: anything unsupported is refused with the layer's name, class and what is supported,
 * before any TensorFlow graph is built.
 */
final class KerasConfig {
  private KerasConfig() {}

  /** The nesting limit of models inside models: deeper configs are hostile, not real. */
  static final int MAX_DEPTH = 32;

  /** Output {@code tensor} of call {@code node} of layer {@code layer}. */
  record Ref(String layer, int node, int tensor) {}

  /** A layer and, for each time it is called in the model, the tensors it is called on. */
  record Node(LayerSpec layer, List<List<Ref>> calls) {
    Node {
      calls = calls.stream().map(List::copyOf).toList();
    }
  }

  /**
   * A Functional or Sequential model.
   *
   * @param sequential whether Keras stores it as Sequential (its weight layout leaves the InputLayer out)
   * @param layers in the config's order
   */
  record Model(String name, String className, boolean sequential, List<Node> layers, List<Ref> inputs,
      List<Ref> outputs) {
    Model {
      layers = List.copyOf(layers);
      inputs = List.copyOf(inputs);
      outputs = List.copyOf(outputs);
    }

    int weightCount() {
      return layers.stream().mapToInt(n -> n.layer().weightCount()).sum();
    }

    Node node(String layerName) {
      for (Node n : layers) {
        if (n.layer().name().equals(layerName)) {
          return n;
        }
      }
      return null;
    }

    int indexOf(String layerName) {
      for (int i = 0; i < layers.size(); i++) {
        if (layers.get(i).layer().name().equals(layerName)) {
          return i;
        }
      }
      return -1;
    }
  }

  /** Thrown by the parser; the caller adds the file name. */
  static final class Refused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }

  /** The model described by a whole config document ({@code {"class_name": …, "config": {…}}}). */
  static Model parse(JsonNode root, boolean legacy) {
    return parseModel(root, 0, legacy);
  }

  private static Model parseModel(JsonNode node, int depth, boolean legacy) {
    if (depth > MAX_DEPTH) {
      throw new Refused("models nested deeper than " + MAX_DEPTH + " levels");
    }
    if (!node.isObject()) {
      throw new Refused("the model config is not a JSON object");
    }
    String cls = node.path("class_name").asText("");
    JsonNode cfg = node.path("config");
    switch (cls) {
      case "Sequential":
        return sequential(cfg, depth, legacy);
      case "Functional":
      case "Model":
        if (!cfg.has("layers")) {
          throw new Refused("model '" + cfg.path("name").asText("?") + "' (class " + cls + ") is a subclassed "
              + "model without a layer graph; only Functional and Sequential models can be rebuilt");
        }
        return functional(cls, cfg, depth, legacy);
      default:
        throw new Refused("the top-level model has class '" + cls + "'; only Functional and Sequential models "
            + "(not subclassed models) can be rebuilt");
    }
  }

  private static Model sequential(JsonNode cfg, int depth, boolean legacy) {
    String name = cfg.path("name").asText("sequential");
    JsonNode layers = cfg.path("layers");
    if (!layers.isArray() || layers.isEmpty()) {
      throw new Refused("Sequential model '" + name + "' has no layers");
    }
    List<Node> nodes = new ArrayList<>();
    String previous = null;
    for (JsonNode layer : layers) {
      LayerSpec spec = layer(layer, depth, legacy);
      if (previous == null && !(spec instanceof LayerSpec.Input)) {
        long[] shape = batchShape(layer.path("config"));
        if (shape == null) {
          shape = batchShape(cfg.path("build_input_shape"));
        }
        if (shape == null) {
          throw new Refused("Sequential model '" + name + "' does not say its input shape (no InputLayer, no "
              + "batch_input_shape); build it with keras.Input(shape=…) before saving");
        }
        nodes.add(new Node(input(name + "_input", shape), List.of()));
        previous = name + "_input";
      }
      if (spec instanceof LayerSpec.Input) {
        if (previous != null) {
          throw new Refused("Sequential model '" + name + "' has an InputLayer after its first layer");
        }
        nodes.add(new Node(spec, List.of()));
      } else {
        nodes.add(new Node(spec, List.of(List.of(new Ref(previous, 0, 0)))));
      }
      previous = spec.name();
    }
    checkUnique(name, nodes);
    return new Model(name, "Sequential", true, nodes, List.of(new Ref(nodes.get(0).layer().name(), 0, 0)),
        List.of(new Ref(previous, 0, 0)));
  }

  private static Model functional(String cls, JsonNode cfg, int depth, boolean legacy) {
    String name = cfg.path("name").asText("model");
    List<Node> nodes = new ArrayList<>();
    for (JsonNode layer : cfg.path("layers")) {
      LayerSpec spec = layer(layer, depth, legacy);
      List<List<Ref>> calls = new ArrayList<>();
      for (JsonNode call : layer.path("inbound_nodes")) {
        calls.add(call(spec, call));
      }
      nodes.add(new Node(spec, calls));
    }
    checkUnique(name, nodes);
    List<Ref> inputs = refs(cfg.path("input_layers"));
    List<Ref> outputs = refs(cfg.path("output_layers"));
    if (legacy) {
      // tf.keras counts a nested model's own construction as its call 0 (functional.py _should_skip_first_node),
      // so references to its calls in this model start at 1; Keras 3 starts at 0.
      Set<String> nested = new HashSet<>();
      nodes.forEach(n -> {
        if (n.layer() instanceof LayerSpec.Nested) {
          nested.add(n.layer().name());
        }
      });
      nodes = nodes.stream().map(n -> new Node(n.layer(), n.calls().stream()
          .map(call -> shift(call, nested)).toList())).toList();
      outputs = shift(outputs, nested);
    }
    Model model = new Model(name, cls, false, nodes, inputs, outputs);
    if (model.inputs().isEmpty() || model.outputs().isEmpty()) {
      throw new Refused("model '" + name + "' lists no input_layers or output_layers");
    }
    for (Ref r : concat(model.inputs(), model.outputs())) {
      if (model.node(r.layer()) == null) {
        throw new Refused("model '" + name + "' names layer '" + r.layer() + "' as an input or output, but has no "
            + "such layer");
      }
    }
    for (Node n : nodes) {
      for (List<Ref> call : n.calls()) {
        for (Ref r : call) {
          if (model.node(r.layer()) == null) {
            throw new Refused("layer '" + n.layer().name() + "' is called on layer '" + r.layer()
                + "', which model '" + name + "' does not have");
          }
        }
      }
    }
    return model;
  }

  private static List<Ref> shift(List<Ref> refs, Set<String> nested) {
    return refs.stream().map(r -> nested.contains(r.layer()) && r.node() > 0
        ? new Ref(r.layer(), r.node() - 1, r.tensor()) : r).toList();
  }

  private static List<Ref> concat(List<Ref> a, List<Ref> b) {
    List<Ref> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static void checkUnique(String model, List<Node> nodes) {
    Set<String> seen = new HashSet<>();
    for (Node n : nodes) {
      if (!seen.add(n.layer().name())) {
        throw new Refused("model '" + model + "' has two layers named '" + n.layer().name() + "'");
      }
    }
  }

  /** {@code ["a", 0, 0]} or {@code [["a", 0, 0], ["b", 0, 0]]}. */
  private static List<Ref> refs(JsonNode node) {
    List<Ref> refs = new ArrayList<>();
    if (!node.isArray() || node.isEmpty()) {
      return refs;
    }
    if (node.get(0).isTextual()) {
      refs.add(ref(node));
    } else {
      for (JsonNode r : node) {
        refs.add(ref(r));
      }
    }
    return refs;
  }

  private static Ref ref(JsonNode r) {
    if (!r.isArray() || r.size() < 3 || !r.get(0).isTextual() || !r.get(1).canConvertToInt()
        || !r.get(2).canConvertToInt() || r.get(1).asInt() < 0 || r.get(2).asInt() < 0) {
      throw new Refused("a tensor reference " + abbreviate(r) + " is not [layer name, node index, tensor index]");
    }
    return new Ref(r.get(0).asText(), r.get(1).asInt(), r.get(2).asInt());
  }

  /**
   * One inbound node: Keras 3 writes {@code {"args": [...], "kwargs": {...}}} with {@code __keras_tensor__}
   * objects whose {@code keras_history} is the reference; Keras 2 writes {@code [[name, node, tensor, kwargs], …]}.
   */
  private static List<Ref> call(LayerSpec spec, JsonNode call) {
    List<Ref> refs = new ArrayList<>();
    if (call.isObject()) {
      collectTensors(call.path("args"), refs, 0);
      List<Ref> inKwargs = new ArrayList<>();
      collectTensors(call.path("kwargs"), inKwargs, 0);
      if (!inKwargs.isEmpty()) {
        throw new Refused("layer '" + spec.name() + "' (class " + spec.className() + ") is called with tensors in "
            + "keyword arguments (e.g. a mask); only positional tensor inputs are supported");
      }
    } else if (call.isArray()) {
      for (JsonNode r : call) {
        refs.add(ref(r));
        JsonNode kwargs = r.size() > 3 ? r.get(3) : null;
        if (kwargs != null && kwargs.isObject()) {
          List<Ref> inKwargs = new ArrayList<>();
          collectTensors(kwargs, inKwargs, 0);
          if (!inKwargs.isEmpty()) {
            throw new Refused("layer '" + spec.name() + "' (class " + spec.className() + ") is called with "
                + "tensors in keyword arguments; only positional tensor inputs are supported");
          }
        }
      }
    } else {
      throw new Refused("layer '" + spec.name() + "' has an inbound node " + abbreviate(call)
          + " in neither the Keras 3 nor the Keras 2 layout");
    }
    if (refs.isEmpty()) {
      throw new Refused("layer '" + spec.name() + "' (class " + spec.className() + ") is called on no tensor");
    }
    return refs;
  }

  private static void collectTensors(JsonNode node, List<Ref> into, int depth) {
    if (depth > MAX_DEPTH) {
      throw new Refused("call arguments nested deeper than " + MAX_DEPTH + " levels");
    }
    if (node.isObject() && "__keras_tensor__".equals(node.path("class_name").asText())) {
      into.add(ref(node.path("config").path("keras_history")));
    } else if (node.isArray() || node.isObject()) {
      for (JsonNode child : node) {
        collectTensors(child, into, depth + 1);
      }
    }
  }

  private static String abbreviate(JsonNode node) {
    String s = String.valueOf(node);
    return s.length() > 120 ? s.substring(0, 120) + "…" : s;
  }

  private static long[] batchShape(JsonNode cfg) {
    JsonNode shape = cfg.isArray() ? cfg : cfg.has("batch_shape") ? cfg.get("batch_shape")
        : cfg.has("batch_input_shape") ? cfg.get("batch_input_shape") : null;
    if (shape == null || !shape.isArray() || shape.size() < 2) {
      return null;
    }
    long[] dims = new long[shape.size() - 1];
    for (int i = 1; i < shape.size(); i++) {
      JsonNode d = shape.get(i);
      dims[i - 1] = d.canConvertToLong() ? d.asLong() : -1;
    }
    return dims;
  }

  private static LayerSpec.Input input(String name, long[] shape) {
    try {
      return new LayerSpec.Input(name, shape);
    } catch (IllegalArgumentException e) {
      throw new Refused(describe(name, "InputLayer") + ": " + e.getMessage());
    }
  }

  private static String describe(String name, String cls) {
    return "layer '" + name + "' (class " + cls + ")";
  }

  private static final Map<String, String> WHY_NOT = Map.of(
      "Lambda", "Lambda layers hold Python code, which cannot be rebuilt outside Python",
      "TFOpLambda", "TFOpLambda layers hold TensorFlow Python calls, which cannot be rebuilt outside Python");

  /** One layer entry, checked and turned into its record. */
  static LayerSpec layer(JsonNode layer, int depth, boolean legacy) {
    String cls = layer.path("class_name").asText("");
    JsonNode cfg = layer.path("config");
    String name = cfg.path("name").asText(layer.path("name").asText("?"));
    String where = describe(name, cls);
    if (!cfg.isObject()) {
      throw new Refused(where + " has no config object");
    }
    checkDtype(where, cfg.get("dtype"));
    JsonNode format = cfg.get("data_format");
    if (format != null && format.isTextual() && !format.asText().equals("channels_last")) {
      throw new Refused(where + " uses data_format '" + format.asText() + "'; only channels_last (NHWC, Keras' "
          + "default) is supported: rebuild the model with channels_last");
    }
    try {
      return switch (cls) {
        case "InputLayer" -> {
          long[] shape = batchShape(cfg);
          if (shape == null) {
            throw new IllegalArgumentException("no batch_shape or batch_input_shape");
          }
          if (cfg.path("sparse").asBoolean(false) || cfg.path("ragged").asBoolean(false)) {
            throw new IllegalArgumentException("sparse or ragged inputs are not supported");
          }
          yield new LayerSpec.Input(name, shape);
        }
        case "Dense" -> read(cfg, LayerSpec.Dense.class, cls);
        case "Conv2D", "Conv2DTranspose" -> read(cfg, LayerSpec.Conv.class, cls);
        case "MaxPooling2D", "AveragePooling2D" -> read(cfg, LayerSpec.Pool.class, cls);
        case "UpSampling2D" -> read(cfg, LayerSpec.UpSampling.class, cls);
        case "ZeroPadding2D" -> margins(name, cls, cfg.get("padding"));
        case "Cropping2D" -> margins(name, cls, cfg.get("cropping"));
        case "Flatten" -> new LayerSpec.Flatten(name);
        case "Reshape" -> read(cfg, LayerSpec.Reshape.class, cls);
        case "Dropout", "GaussianNoise", "ActivityRegularization" -> new LayerSpec.Identity(name, cls);
        case "Activation" -> new LayerSpec.Activation(name, Checks.activation(cfg.get("activation")));
        case "LeakyReLU" -> new LayerSpec.LeakyRelu(name, (float) (cfg.has("negative_slope")
            ? cfg.get("negative_slope").asDouble() : cfg.has("alpha") ? cfg.get("alpha").asDouble() : 0.3));
        case "BatchNormalization" -> read(cfg, LayerSpec.BatchNorm.class, cls);
        case "Add" -> new LayerSpec.Add(name);
        case "Concatenate" -> new LayerSpec.Concatenate(name, cfg.path("axis").asInt(-1));
        case "Functional", "Model", "Sequential" -> new LayerSpec.Nested(name, cls,
            parseModel(layer, depth + 1, legacy));
        default -> throw new Refused(where + " is not supported: " + whyNot(cls, layer) + ". Supported layers: "
            + String.join(", ", LayerSpec.SUPPORTED));
      };
    } catch (IllegalArgumentException e) {
      throw new Refused(where + ": " + e.getMessage());
    }
  }

  private static String whyNot(String cls, JsonNode layer) {
    if (WHY_NOT.containsKey(cls)) {
      return WHY_NOT.get(cls);
    }
    JsonNode registered = layer.get("registered_name");
    String module = layer.path("module").asText("");
    boolean builtIn = module.startsWith("keras.") || module.equals("keras") || module.isEmpty();
    if (registered != null && registered.isTextual() && !registered.asText().equals(cls) || !builtIn) {
      return "a custom layer" + (registered != null && registered.isTextual() ? " (registered as '"
          + registered.asText() + "')" : "") + " runs Python code the importer cannot see";
    }
    return "no TensorFlow Java mapping for this Keras class";
  }

  private static <T extends LayerSpec> T read(JsonNode cfg, Class<T> type, String cls) {
    ObjectNode copy = ((ObjectNode) cfg).deepCopy();
    copy.put("class", cls);
    try {
      return LayerSpec.MAPPER.treeToValue(copy, type);
    } catch (com.fasterxml.jackson.databind.exc.ValueInstantiationException e) {
      Throwable cause = e.getCause();
      throw new IllegalArgumentException(cause != null ? cause.getMessage() : e.getOriginalMessage());
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("config does not fit: " + e.getOriginalMessage());
    }
  }

  private static LayerSpec.Margins margins(String name, String cls, JsonNode m) {
    int[] v = new int[4];
    if (m != null && m.canConvertToInt()) {
      java.util.Arrays.fill(v, m.asInt());
    } else if (m != null && m.isArray() && m.size() == 2) {
      for (int i = 0; i < 2; i++) {
        JsonNode p = m.get(i);
        if (p.canConvertToInt()) {
          v[2 * i] = v[2 * i + 1] = p.asInt();
        } else if (p.isArray() && p.size() == 2 && p.get(0).canConvertToInt() && p.get(1).canConvertToInt()) {
          v[2 * i] = p.get(0).asInt();
          v[2 * i + 1] = p.get(1).asInt();
        } else {
          throw new IllegalArgumentException("margins " + m + " are not ((top, bottom), (left, right))");
        }
      }
    } else {
      throw new IllegalArgumentException("margins " + m + " are not ((top, bottom), (left, right))");
    }
    return new LayerSpec.Margins(name, cls, v[0], v[1], v[2], v[3]);
  }

  private static void checkDtype(String where, JsonNode dtype) {
    if (dtype == null || dtype.isNull()) {
      return;
    }
    String name = dtype.isTextual() ? dtype.asText() : dtype.path("config").path("name").asText(null);
    if (name == null) {
      throw new Refused(where + " has a dtype policy " + abbreviate(dtype) + " the importer cannot read");
    }
    if (!name.equals("float32")) {
      throw new Refused(where + " computes in '" + name + "'" + (name.startsWith("mixed") ? " (mixed precision)"
          : "") + "; only float32 models are supported: save the model with the float32 policy");
    }
  }

  /** Every layer of the model and of its nested models, as {@code path → class}, for the model card. */
  static Map<String, String> layerClasses(Model model) {
    Map<String, String> out = new LinkedHashMap<>();
    collect(model, "", out);
    return out;
  }

  private static void collect(Model model, String prefix, Map<String, String> out) {
    for (Node n : model.layers()) {
      out.put(prefix + n.layer().name(), n.layer().className());
      if (n.layer() instanceof LayerSpec.Nested nested) {
        collect(nested.model(), prefix + n.layer().name() + "/", out);
      }
    }
  }
}
