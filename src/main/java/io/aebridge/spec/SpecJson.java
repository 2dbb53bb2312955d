package io.aebridge.spec;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Reads and writes {@link AutoencoderSpec} as JSON. Omitted fields take the tutorial's defaults (see
 * {@link AutoencoderSpec.Builder}); an unknown field, a wrong type or a broken rule is a {@link SpecException}
 * naming the field path, e.g. {@code training.batchSize: must be positive, found 0}.
 *
 * <p>Besides {@code encoderLayers}, the shorthand {@code "layers": 2, "nodesPerLayer": 64} gives the tutorial's
 * "number of layers" and "nodes per layer" hyperparameters directly. Thread-safe.
 *
 * <p>Jackson databind fills one form record per section (every field optional: {@code null} or omitted takes the
 * default); the forms hand their values to the spec records, whose constructors hold every rule. Writing serialises
 * the spec records themselves with the same mapper.
 */
public final class SpecJson {
  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(SerializationFeature.INDENT_OUTPUT)
      .serializationInclusion(JsonInclude.Include.NON_NULL)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_TRAILING_TOKENS,
          DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      // "codeSize": 3.5, "residual": "yes" or "name": 5 are mistakes to name, not values to guess.
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
      .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
      .withCoercionConfig(LogicalType.Textual, c -> c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
      // [64, null] is a hole in a list, not a layer of null units.
      .defaultSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL))
      .build();

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
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw SpecException.withMessage("", "a spec must be a JSON object, found "
          + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType()), null);
    }
    SpecForm form;
    try {
      form = MAPPER.treeToValue(root, SpecForm.class);
    } catch (JsonProcessingException e) {
      throw explain(e, root);
    }
    return form.spec();
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

  // ---------------------------------------------------------------------------------------------------------------
  // The document's shape. A field added to a spec record is added to its form too (the round-trip test fails
  // otherwise: the written field would be refused as unknown).

  record SpecForm(String name, ModelKind kind, List<Integer> inputShape, Integer codeSize,
      List<Integer> encoderLayers, List<Integer> decoderLayers, List<Activation> encoderActivations,
      Activation activation, Activation codeActivation, Activation outputActivation, LossKind loss,
      SparsityForm sparsity, ContractiveForm contractive, ConvForm conv, CorruptionForm corruption,
      TrainingForm training, Integer layers, Integer nodesPerLayer) {

    AutoencoderSpec spec() {
      // In JSON the kind is what the document says (dense when omitted): a penalty block alone does not change it.
      ModelKind k = or(kind, ModelKind.DENSE);
      AutoencoderSpec.Builder b = AutoencoderSpec.builder(name).kind(k);
      if (inputShape != null) {
        switch (inputShape.size()) {
          case 1 -> b.inputShape(1, inputShape.get(0), 1);
          case 2 -> b.inputShape(inputShape.get(0), inputShape.get(1), 1);
          case 3 -> b.inputShape(inputShape.get(0), inputShape.get(1), inputShape.get(2));
          default -> throw new SpecException("inputShape", inputShape,
              "must be [features], [height, width] or [height, width, channels]");
        }
      }
      if (layers != null || nodesPerLayer != null) {
        if (encoderLayers != null) {
          throw new SpecException("layers", or(layers, 0), "cannot be combined with encoderLayers; give one or the other");
        }
        b.layers(or(layers, 1), or(nodesPerLayer, 0));
      }
      if (encoderLayers != null) {
        b.encoderLayers(encoderLayers.toArray(Integer[]::new));
      }
      if (decoderLayers != null) {
        b.decoderLayers(decoderLayers.toArray(Integer[]::new));
      }
      if (encoderActivations != null) {
        b.encoderActivations(encoderActivations.toArray(Activation[]::new));
      }
      b.activation(or(activation, Activation.RELU));
      b.codeActivation(or(codeActivation, Activation.RELU));
      b.outputActivation(or(outputActivation, Activation.SIGMOID));
      b.loss(or(loss, LossKind.AUTO));
      if (sparsity != null) {
        b.sparse(sparsity.spec());
      }
      if (contractive != null) {
        b.contractive(contractive.spec());
      }
      if (conv != null || k == ModelKind.CONVOLUTIONAL) {
        ConvSpec c = conv == null ? ConvSpec.tutorial() : conv.spec();
        if (k != ModelKind.CONVOLUTIONAL) {
          throw new SpecException("conv", "{…}", "is only allowed when kind is convolutional (kind is "
              + k.jsonName() + ")");
        }
        b.convolutional(c);
      }
      if (codeSize != null) {
        b.codeSize(codeSize);
      }
      if (corruption != null) {
        b.corruption(corruption.spec());
      }
      if (training != null) {
        b.training(training.spec());
      }
      return b.kind(k).build();
    }
  }

  record SparsityForm(Double l1, Double klTarget, Double klWeight) {
    SparsitySpec spec() {
      return new SparsitySpec(or(l1, 0.0), klTarget,
          or(klWeight, klTarget == null ? 0 : SparsitySpec.KL_WEIGHT_DEFAULT));
    }
  }

  record ContractiveForm(Double weight) {
    ContractiveSpec spec() {
      return new ContractiveSpec(required("contractive.weight", weight, ""));
    }
  }

  record ConvForm(List<Integer> filters, Integer kernelSize, Integer poolSize, DecoderMode decoder, Boolean residual) {
    ConvSpec spec() {
      ConvSpec d = ConvSpec.tutorial();
      return new ConvSpec(or(filters, d.filters()), or(kernelSize, d.kernelSize()), or(poolSize, d.poolSize()),
          or(decoder, d.decoder()), or(residual, d.residual()));
    }
  }

  record CorruptionForm(CorruptionKind type, Double amount) {
    CorruptionSpec spec() {
      return new CorruptionSpec(required("corruption.type", type, " (gaussian, masking or salt_and_pepper)"),
          required("corruption.amount", amount, ""));
    }
  }

  record TrainingForm(OptimizerKind optimizer, Double learningRate, Integer epochs, Integer batchSize,
      Double validationSplit, Long seed, Integer patience) {
    TrainingSpec spec() {
      TrainingSpec d = TrainingSpec.defaults();
      OptimizerKind o = or(optimizer, d.optimizer());
      // Each optimizer's usual step size (the tutorial trains AdaDelta with 1.0).
      double rate = o == OptimizerKind.ADADELTA ? 1.0
          : o == OptimizerKind.SGD || o == OptimizerKind.MOMENTUM ? 0.01 : d.learningRate();
      return new TrainingSpec(o, or(learningRate, rate), or(epochs, d.epochs()), or(batchSize, d.batchSize()),
          or(validationSplit, d.validationSplit()), or(seed, d.seed()), or(patience, d.patience()));
    }
  }

  private static <T> T or(T value, T fallback) {
    return value == null ? fallback : value;
  }

  private static <T> T required(String field, T value, String hint) {
    if (value == null) {
      throw new SpecException(field, null, "is required" + hint);
    }
    return value;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Jackson's account of a bad document, as a SpecException naming the field path and the value found there.

  private static SpecException explain(JsonProcessingException e, JsonNode root) {
    List<JsonMappingException.Reference> refs = e instanceof JsonMappingException m ? m.getPath() : List.of();
    if (e instanceof UnrecognizedPropertyException u) {
      String at = JsonPaths.of(refs.subList(0, Math.max(0, refs.size() - 1)));
      TreeSet<String> known = new TreeSet<>();
      Collection<Object> ids = u.getKnownPropertyIds();
      ids.forEach(id -> known.add(String.valueOf(id)));
      return new SpecException((at.isEmpty() ? "" : at + ".") + u.getPropertyName(), u.getPropertyName(),
          "is not a known field; known fields are " + String.join(", ", known));
    }
    String at = JsonPaths.of(refs);
    for (Throwable c = e.getCause(); c != null; c = c.getCause()) {
      if (c instanceof SpecException bad) {
        // An enum knows its allowed values but not where it sits in the document.
        String message = bad.getMessage();
        return SpecException.withMessage(at, message.substring(message.indexOf(':') + 2), e);
      }
    }
    Class<?> target = targetType(e);
    JsonNode found = at(root, refs);
    if (target != null && !(e instanceof JsonParseException)) {
      // The node renders as the JSON it was ("a", 3.5, []), not re-quoted as text.
      return new SpecException(at, found,
          expected(target, refs.isEmpty() ? null : refs.get(refs.size() - 1)));
    }
    return SpecException.withMessage(at, e.getOriginalMessage().replaceAll("\\s*\\n.*", ""), e);
  }

  private static Class<?> targetType(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof MismatchedInputException m && m.getTargetType() != null) {
        return m.getTargetType();
      }
      if (c instanceof InputCoercionException i && i.getTargetType() != null) {
        return i.getTargetType();
      }
    }
    return null;
  }

  private static String expected(Class<?> type, JsonMappingException.Reference where) {
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "must be a whole number";
    }
    if (type == Double.class || type == double.class) {
      return "must be a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "must be true or false";
    }
    if (type == String.class || type.isEnum()) {
      return "must be a string";
    }
    if (Collection.class.isAssignableFrom(type)) {
      return elementType(where) == Integer.class ? "must be an array of whole numbers" : "must be a JSON array";
    }
    return "must be a JSON object";
  }

  /** The element type of the form's list field at {@code where}, or {@code null}. */
  private static Type elementType(JsonMappingException.Reference where) {
    if (where == null || where.getFieldName() == null || where.getFrom() == null) {
      return null;
    }
    Class<?> owner = where.getFrom() instanceof Class<?> c ? c : where.getFrom().getClass();
    for (RecordComponent rc : owner.isRecord() ? owner.getRecordComponents() : new RecordComponent[0]) {
      if (rc.getName().equals(where.getFieldName()) && rc.getGenericType() instanceof ParameterizedType list) {
        return list.getActualTypeArguments()[0];
      }
    }
    return null;
  }

  /** The value the document holds at {@code refs}, or {@code null}. */
  private static JsonNode at(JsonNode root, List<JsonMappingException.Reference> refs) {
    JsonNode n = root;
    for (JsonMappingException.Reference r : refs) {
      if (n == null) {
        return null;
      }
      n = r.getFieldName() != null ? n.get(r.getFieldName()) : r.getIndex() >= 0 ? n.get(r.getIndex()) : n;
    }
    return n;
  }
}
