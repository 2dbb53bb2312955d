package io.aebridge.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Reads and writes {@link AutoencoderSpec} as JSON. Omitted fields take the tutorial's defaults (see
 * {@link AutoencoderSpec.Builder}); an unknown field, a wrong type or a broken rule is a {@link SpecException}
 * naming the field path, e.g. {@code training.batchSize: must be positive, found 0}.
 *
 * <p>Besides {@code encoderLayers}, the shorthand {@code "layers": 2, "nodesPerLayer": 64} gives the tutorial's
 * "number of layers" and "nodes per layer" hyperparameters directly. Thread-safe.
 */
public final class SpecJson {
  private static final ObjectMapper MAPPER = new ObjectMapper()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .setSerializationInclusion(JsonInclude.Include.NON_NULL);

  private static final Set<String> TOP_FIELDS = Set.of("name", "kind", "inputShape", "codeSize", "encoderLayers",
      "decoderLayers", "encoderActivations", "activation", "codeActivation", "outputActivation", "loss", "sparsity",
      "contractive", "conv", "corruption", "training", "layers", "nodesPerLayer");

  private SpecJson() {}

  /** Parses a spec from JSON text. */
  public static AutoencoderSpec parse(String json) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      var where = e.getLocation();
      throw SpecException.withMessage("", "not valid JSON at line " + (where == null ? "?" : where.getLineNr())
          + ", column " + (where == null ? "?" : where.getColumnNr()) + ": " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw SpecException.withMessage("", "a spec must be a JSON object, found " + (root == null ? "nothing" : root.getNodeType()), null);
    }
    return fromTree((ObjectNode) root);
  }

  /** Reads a spec file; the file name is added to any error. */
  public static AutoencoderSpec read(Path file) throws IOException {
    String text = Files.readString(file);
    try {
      return parse(text);
    } catch (SpecException e) {
      throw SpecException.withMessage("", file + ": " + e.getMessage(), e);
    }
  }

  /** The spec as indented JSON that {@link #parse} reads back to an equal spec. */
  public static String write(AutoencoderSpec spec) {
    try {
      return MAPPER.writeValueAsString(spec);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("Could not write spec " + spec.name(), e);
    }
  }

  /** The spec as a JSON tree, for embedding in a model card. */
  public static JsonNode toTree(AutoencoderSpec spec) {
    return MAPPER.valueToTree(spec);
  }

  static AutoencoderSpec fromTree(ObjectNode root) {
    rejectUnknown(root, "", TOP_FIELDS);
    AutoencoderSpec.Builder b = AutoencoderSpec.builder(text(root, "name", null));
    b.kind(enumValue(root, "kind", ModelKind::parse, ModelKind.DENSE));
    if (root.has("inputShape")) {
      List<Integer> shape = ints(root, "inputShape");
      if (shape.size() == 1) {
        b.inputShape(1, shape.get(0), 1);
      } else if (shape.size() == 2) {
        b.inputShape(shape.get(0), shape.get(1), 1);
      } else if (shape.size() == 3) {
        b.inputShape(shape.get(0), shape.get(1), shape.get(2));
      } else {
        throw new SpecException("inputShape", shape, "must be [features], [height, width] or [height, width, channels]");
      }
    }
    if (root.has("layers") || root.has("nodesPerLayer")) {
      if (root.has("encoderLayers")) {
        throw new SpecException("layers", integer(root, "layers", 0),
            "cannot be combined with encoderLayers; give one or the other");
      }
      b.layers(integer(root, "layers", 1), integer(root, "nodesPerLayer", 0));
    }
    if (root.has("encoderLayers")) {
      b.encoderLayers(ints(root, "encoderLayers").toArray(Integer[]::new));
    }
    if (root.has("decoderLayers")) {
      b.decoderLayers(ints(root, "decoderLayers").toArray(Integer[]::new));
    }
    if (root.has("encoderActivations")) {
      List<Activation> acts = new ArrayList<>();
      JsonNode list = array(root, "encoderActivations");
      for (int i = 0; i < list.size(); i++) {
        acts.add(parseEnum("encoderActivations[" + i + "]", list.get(i), Activation::parse));
      }
      b.encoderActivations(acts.toArray(Activation[]::new));
    }
    b.activation(enumValue(root, "activation", Activation::parse, Activation.RELU));
    b.codeActivation(enumValue(root, "codeActivation", Activation::parse, Activation.RELU));
    b.outputActivation(enumValue(root, "outputActivation", Activation::parse, Activation.SIGMOID));
    b.loss(enumValue(root, "loss", LossKind::parse, LossKind.AUTO));
    if (present(root, "sparsity")) {
      ObjectNode s = object(root, "sparsity");
      rejectUnknown(s, "sparsity.", Set.of("l1", "klTarget", "klWeight"));
      Double target = present(s, "klTarget") ? number(s, "sparsity.klTarget", "klTarget", 0) : null;
      b.sparse(new SparsitySpec(number(s, "sparsity.l1", "l1", 0),
          target, number(s, "sparsity.klWeight", "klWeight", target == null ? 0 : SparsitySpec.KL_WEIGHT_DEFAULT)));
    }
    if (present(root, "contractive")) {
      ObjectNode c = object(root, "contractive");
      rejectUnknown(c, "contractive.", Set.of("weight"));
      b.contractive(new ContractiveSpec(number(c, "contractive.weight", "weight", Double.NaN)));
    }
    ModelKind kind = enumValue(root, "kind", ModelKind::parse, ModelKind.DENSE);
    if (present(root, "conv") || kind == ModelKind.CONVOLUTIONAL) {
      ConvSpec conv = ConvSpec.tutorial();
      if (present(root, "conv")) {
        ObjectNode c = object(root, "conv");
        rejectUnknown(c, "conv.", Set.of("filters", "kernelSize", "poolSize", "decoder", "residual"));
        conv = new ConvSpec(c.has("filters") ? intsAt(c, "conv.filters", "filters") : conv.filters(),
            intAt(c, "conv.kernelSize", "kernelSize", conv.kernelSize()),
            intAt(c, "conv.poolSize", "poolSize", conv.poolSize()),
            c.has("decoder") ? parseEnum("conv.decoder", c.get("decoder"), DecoderMode::parse) : conv.decoder(),
            bool(c, "conv.residual", "residual", false));
      }
      if (kind == ModelKind.CONVOLUTIONAL) {
        b.convolutional(conv);
      } else {
        b.kind(kind);
        throw new SpecException("conv", "{…}", "is only allowed when kind is convolutional (kind is " + kind.jsonName() + ")");
      }
    }
    if (root.has("codeSize")) {
      b.codeSize(integer(root, "codeSize", 0));
    }
    if (present(root, "corruption")) {
      ObjectNode c = object(root, "corruption");
      rejectUnknown(c, "corruption.", Set.of("type", "amount"));
      if (!c.has("type")) {
        throw new SpecException("corruption.type", null, "is required (gaussian, masking or salt_and_pepper)");
      }
      b.corruption(new CorruptionSpec(parseEnum("corruption.type", c.get("type"), CorruptionKind::parse),
          number(c, "corruption.amount", "amount", Double.NaN)));
    }
    if (present(root, "training")) {
      b.training(training(object(root, "training")));
    }
    // In JSON the kind is what the document says: a penalty block alone does not change it.
    return b.kind(kind).build();
  }

  private static TrainingSpec training(ObjectNode t) {
    rejectUnknown(t, "training.", Set.of("optimizer", "learningRate", "epochs", "batchSize", "validationSplit",
        "seed", "patience"));
    TrainingSpec d = TrainingSpec.defaults();
    OptimizerKind optimizer = t.has("optimizer")
        ? parseEnum("training.optimizer", t.get("optimizer"), OptimizerKind::parse) : d.optimizer();
    double defaultRate = optimizer == OptimizerKind.ADADELTA ? 1.0
        : optimizer == OptimizerKind.SGD || optimizer == OptimizerKind.MOMENTUM ? 0.01 : d.learningRate();
    return new TrainingSpec(optimizer,
        number(t, "training.learningRate", "learningRate", defaultRate),
        intAt(t, "training.epochs", "epochs", d.epochs()),
        intAt(t, "training.batchSize", "batchSize", d.batchSize()),
        number(t, "training.validationSplit", "validationSplit", d.validationSplit()),
        longAt(t, "training.seed", "seed", d.seed()),
        intAt(t, "training.patience", "patience", d.patience()));
  }

  private static void rejectUnknown(ObjectNode node, String prefix, Set<String> known) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw new SpecException(prefix + field, field, "is not a known field; known fields are "
            + String.join(", ", new TreeSet<>(known)));
      }
    }
  }

  private static boolean present(JsonNode node, String field) {
    return node.has(field) && !node.get(field).isNull();
  }

  private static ObjectNode object(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (!v.isObject()) {
      throw new SpecException(field, v.toString(), "must be a JSON object");
    }
    return (ObjectNode) v;
  }

  private static JsonNode array(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (!v.isArray()) {
      throw new SpecException(field, v.toString(), "must be a JSON array");
    }
    return v;
  }

  private static String text(JsonNode node, String field, String fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isTextual()) {
      throw new SpecException(field, v.toString(), "must be a string");
    }
    return v.asText();
  }

  private static <E> E enumValue(JsonNode node, String field, Function<String, E> parse, E fallback) {
    return present(node, field) ? parseEnum(field, node.get(field), parse) : fallback;
  }

  private static <E> E parseEnum(String path, JsonNode v, Function<String, E> parse) {
    if (!v.isTextual()) {
      throw new SpecException(path, v.toString(), "must be a string");
    }
    try {
      return parse.apply(v.asText());
    } catch (SpecException e) {
      // The enum knows its allowed values but not where it sits in the document.
      String rule = e.getMessage().substring(e.getMessage().indexOf(':') + 2);
      throw SpecException.withMessage(path, rule, e);
    }
  }

  private static int integer(JsonNode node, String field, int fallback) {
    return intAt(node, field, field, fallback);
  }

  private static boolean bool(JsonNode node, String path, String field, boolean fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isBoolean()) {
      throw new SpecException(path, v.toString(), "must be true or false");
    }
    return v.booleanValue();
  }

  private static int intAt(JsonNode node, String path, String field, int fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new SpecException(path, v.toString(), "must be a whole number");
    }
    return v.intValue();
  }

  private static long longAt(JsonNode node, String path, String field, long fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return fallback;
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new SpecException(path, v.toString(), "must be a whole number");
    }
    return v.longValue();
  }

  private static double number(JsonNode node, String path, String field, double fallback) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      if (Double.isNaN(fallback)) {
        throw new SpecException(path, null, "is required");
      }
      return fallback;
    }
    if (!v.isNumber()) {
      throw new SpecException(path, v.toString(), "must be a number");
    }
    return v.doubleValue();
  }

  private static List<Integer> ints(JsonNode node, String field) {
    return intsAt(node, field, field);
  }

  private static List<Integer> intsAt(JsonNode node, String path, String field) {
    JsonNode list = node.get(field);
    if (list == null || !list.isArray()) {
      throw new SpecException(path, String.valueOf(list), "must be an array of whole numbers");
    }
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode v = list.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToInt()) {
        throw new SpecException(path + "[" + i + "]", v.toString(), "must be a whole number");
      }
      out.add(v.intValue());
    }
    return out;
  }
}
