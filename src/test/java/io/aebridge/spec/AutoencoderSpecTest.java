package io.aebridge.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class AutoencoderSpecTest {

  private static SpecException rejects(String json) {
    return assertThrows(SpecException.class, () -> SpecJson.parse(json));
  }

  @Test
  void defaultsAreTheTutorialDemo() {
    AutoencoderSpec spec = SpecJson.parse("{\"name\": \"demo\"}");
    assertEquals(ModelKind.DENSE, spec.kind());
    assertEquals(784, spec.inputSize());
    assertEquals(32, spec.codeSize());
    assertEquals(List.of(), spec.encoderLayers());
    assertEquals(Activation.SIGMOID, spec.outputActivation());
    assertEquals(LossKind.BCE, spec.resolvedLoss(true));
    assertEquals(LossKind.MSE, spec.resolvedLoss(false));
    assertEquals(OptimizerKind.ADAM, spec.training().optimizer());
    assertEquals(256, spec.training().batchSize());
  }

  @Test
  void layersAndNodesPerLayerShorthandGivesEncoderLayersAndMirroredDecoder() {
    AutoencoderSpec spec = SpecJson.parse("{\"name\":\"d\",\"layers\":2,\"nodesPerLayer\":64,\"codeSize\":16}");
    assertEquals(List.of(64, 64), spec.encoderLayers());
    AutoencoderSpec deep = SpecJson.parse("{\"name\":\"deep\",\"encoderLayers\":[128,64],\"codeSize\":32}");
    assertEquals(List.of(64, 128), deep.resolvedDecoderLayers());
  }

  @Test
  void jsonRoundTripGivesAnEqualSpec() {
    AutoencoderSpec spec = AutoencoderSpec.builder("rt").sparse(new SparsitySpec(1e-4, 0.05, 3.0))
        .codeActivation(Activation.SIGMOID).encoderLayers(128).encoderActivations(Activation.TANH)
        .corruption(CorruptionSpec.saltAndPepper(0.1)).build();
    assertEquals(spec, SpecJson.parse(SpecJson.write(spec)));
    AutoencoderSpec conv = AutoencoderSpec.builder("c").convolutional(ConvSpec.tutorial()).build();
    assertEquals(conv, SpecJson.parse(SpecJson.write(conv)));
    assertTrue(!SpecJson.write(conv).contains("residual"), "a plain conv spec's JSON stays as before");
    AutoencoderSpec residual = AutoencoderSpec.builder("r")
        .convolutional(ConvSpec.tutorial().withResidual(true)).build();
    assertTrue(SpecJson.write(residual).contains("\"residual\" : true"), SpecJson.write(residual));
    assertEquals(residual, SpecJson.parse(SpecJson.write(residual)));
  }

  @Test
  void convResidualMustBeABooleanAndNeedsAnInvertibleOutput() {
    SpecException type = rejects("{\"name\":\"x\",\"kind\":\"convolutional\",\"conv\":{\"residual\":\"yes\"}}");
    assertEquals("conv.residual", type.field());
    assertTrue(type.getMessage().contains("true or false") && type.getMessage().contains("yes"), type.getMessage());
    SpecException output = rejects("{\"name\":\"x\",\"kind\":\"convolutional\",\"outputActivation\":\"relu\","
        + "\"loss\":\"mse\",\"conv\":{\"residual\":true}}");
    assertEquals("outputActivation", output.field());
    assertTrue(output.getMessage().contains("conv.residual"), output.getMessage());
    assertTrue(SpecJson.parse("{\"name\":\"x\",\"kind\":\"convolutional\",\"conv\":{\"residual\":true}}")
        .conv().residual());
  }

  @Test
  void codeSizeZeroNamesFieldValueAndRule() {
    SpecException e = rejects("{\"name\":\"x\",\"codeSize\":0}");
    assertEquals("codeSize", e.field());
    assertEquals("codeSize: must be positive, found 0", e.getMessage());
  }

  @Test
  void unknownFieldIsNamedWithTheKnownOnes() {
    SpecException e = rejects("{\"name\":\"x\",\"codeSise\":32}");
    assertEquals("codeSise", e.field());
    assertTrue(e.getMessage().contains("not a known field") && e.getMessage().contains("codeSize"), e.getMessage());
    SpecException nested = rejects("{\"name\":\"x\",\"training\":{\"epoch\":3}}");
    assertEquals("training.epoch", nested.field());
  }

  @Test
  void convKernelBiggerThanInputIsRejected() {
    SpecException e = rejects(
        "{\"name\":\"x\",\"kind\":\"convolutional\",\"inputShape\":[4,4,1],\"conv\":{\"filters\":[8],\"kernelSize\":5}}");
    assertEquals("conv.kernelSize", e.field());
    assertTrue(e.getMessage().contains("found 5") && e.getMessage().contains("4"), e.getMessage());
  }

  @Test
  void tooManyConvStagesForTheInputIsRejected() {
    SpecException e = rejects("{\"name\":\"x\",\"kind\":\"convolutional\",\"inputShape\":[8,8,1],"
        + "\"conv\":{\"filters\":[8,8,8,8],\"kernelSize\":3}}");
    assertEquals("conv.filters", e.field());
  }

  @Test
  void klSparsityOnAReluCodeIsRejected() {
    SpecException e = rejects("{\"name\":\"x\",\"kind\":\"sparse\",\"sparsity\":{\"klTarget\":0.05}}");
    assertEquals("codeActivation", e.field());
    assertTrue(e.getMessage().contains("\"relu\"") && e.getMessage().contains("sigmoid"), e.getMessage());
  }

  @Test
  void kindPartsMustMatchTheKind() {
    assertEquals("sparsity", rejects("{\"name\":\"x\",\"kind\":\"sparse\"}").field());
    assertEquals("contractive", rejects("{\"name\":\"x\",\"contractive\":{\"weight\":0.1}}").field());
    assertEquals("encoderLayers",
        rejects("{\"name\":\"x\",\"kind\":\"contractive\",\"contractive\":{\"weight\":0.1},\"encoderLayers\":[64]}")
            .field());
  }

  @Test
  void badValuesAreNamed() {
    assertEquals("training.batchSize", rejects("{\"name\":\"x\",\"training\":{\"batchSize\":0}}").field());
    assertEquals("training.learningRate", rejects("{\"name\":\"x\",\"training\":{\"learningRate\":-1}}").field());
    assertEquals("training.optimizer", rejects("{\"name\":\"x\",\"training\":{\"optimizer\":\"adamw\"}}").field());
    assertEquals("corruption.amount",
        rejects("{\"name\":\"x\",\"corruption\":{\"type\":\"masking\",\"amount\":1.5}}").field());
    assertEquals("encoderLayers[1]", rejects("{\"name\":\"x\",\"encoderLayers\":[64,-3]}").field());
    assertEquals("name", rejects("{\"name\":\"../evil\"}").field());
    assertEquals("outputActivation", rejects("{\"name\":\"x\",\"loss\":\"bce\",\"outputActivation\":\"linear\"}").field());
    SpecException activation = rejects("{\"name\":\"x\",\"activation\":\"swish\"}");
    assertEquals("activation", activation.field());
    assertTrue(activation.getMessage().contains("leaky_relu"), activation.getMessage());
  }

  @Test
  void wrongJsonTypesNameTheFieldWhatWasExpectedAndWhatWasFound() {
    assertEquals("codeSize: must be a whole number, found 3.5", rejects("{\"name\":\"x\",\"codeSize\":3.5}").getMessage());
    assertEquals("name: must be a string, found 5", rejects("{\"name\":5}").getMessage());
    assertEquals("conv.kernelSize", rejects(
        "{\"name\":\"x\",\"kind\":\"convolutional\",\"conv\":{\"kernelSize\":\"3\"}}").field());
    SpecException hole = rejects("{\"name\":\"x\",\"encoderLayers\":[64,null]}");
    assertEquals("encoderLayers[1]: must be a whole number, found null", hole.getMessage());
    assertEquals("encoderLayers: must be an array of whole numbers, found 5",
        rejects("{\"name\":\"x\",\"encoderLayers\":5}").getMessage());
    assertEquals("training: must be a JSON object, found []",
        rejects("{\"name\":\"x\",\"training\":[]}").getMessage());
    assertEquals("training.seed", rejects("{\"name\":\"x\",\"training\":{\"seed\":\"a\"}}").field());
    assertEquals("sparsity.l1", rejects("{\"name\":\"x\",\"kind\":\"sparse\",\"sparsity\":{\"l1\":true}}").field());
    SpecException enumInList = rejects("{\"name\":\"x\",\"encoderLayers\":[8],\"encoderActivations\":[\"swish\"]}");
    assertEquals("encoderActivations[0]", enumInList.field());
    assertTrue(enumInList.getMessage().contains("leaky_relu"), enumInList.getMessage());
    assertEquals("conv.decoder",
        rejects("{\"name\":\"x\",\"kind\":\"convolutional\",\"conv\":{\"decoder\":\"zzz\"}}").field());
  }

  @Test
  void requiredPartsOfASectionAreNamed() {
    assertEquals("contractive.weight: is required, found null",
        rejects("{\"name\":\"x\",\"kind\":\"contractive\",\"contractive\":{}}").getMessage());
    assertEquals("corruption.type", rejects("{\"name\":\"x\",\"corruption\":{\"amount\":0.3}}").field());
    assertEquals("layers", rejects("{\"name\":\"x\",\"encoderLayers\":[64],\"layers\":2}").field());
    SpecException unknown = rejects("{\"name\":\"x\",\"kind\":\"convolutional\",\"conv\":{\"kernel\":3}}");
    assertEquals("conv.kernel", unknown.field());
    assertTrue(unknown.getMessage().contains("kernelSize, poolSize, residual"), unknown.getMessage());
  }

  @Test
  void omittedAndNullFieldsTakeTheDefaults() {
    AutoencoderSpec spec = SpecJson.parse("{\"name\":\"x\",\"codeSize\":null,\"training\":{\"optimizer\":\"adadelta\"},"
        + "\"kind\":\"convolutional\",\"conv\":{\"filters\":[8,4]}}");
    assertEquals(1.0, spec.training().learningRate());
    assertEquals(4, spec.codeSize());
    assertEquals(ConvSpec.KERNEL_SIZE_DEFAULT, spec.conv().kernelSize());
    assertEquals(List.of(1, 64, 1), SpecJson.parse("{\"name\":\"x\",\"inputShape\":[64]}").inputShape());
  }

  @Test
  void trailingContentAfterTheSpecIsRefused() {
    assertTrue(rejects("{\"name\":\"x\"} {}").getMessage().contains("line 1"));
  }

  /**
   * Every value of every field of full specs replaced by values of each JSON type: the reader answers with a spec or a
   * SpecException naming a field of the document, never with another exception.
   */
  @Test
  void anyValueAnywhereIsASpecOrASpecException() throws Exception {
    ObjectMapper json = new ObjectMapper();
    List<String> replacements = List.of("null", "0", "-1", "3.5", "1e400", "99999999999999999999", "true", "\"x\"",
        "\"sigmoid\"", "[]", "[null]", "[0]", "[\"a\"]", "{}", "{\"l1\":1}");
    List<AutoencoderSpec> bases = List.of(
        AutoencoderSpec.builder("c").convolutional(ConvSpec.tutorial().withResidual(true))
            .corruption(CorruptionSpec.gaussian(0.5)).build(),
        AutoencoderSpec.builder("s").sparse(new SparsitySpec(1e-4, 0.05, 3.0)).codeActivation(Activation.SIGMOID)
            .encoderLayers(128, 64).decoderLayers(64, 128).encoderActivations(Activation.TANH, Activation.ELU).build(),
        AutoencoderSpec.builder("k").contractive(new ContractiveSpec(0.1)).build());
    int parsed = 0;
    for (AutoencoderSpec base : bases) {
      JsonNode tree = json.readTree(SpecJson.write(base));
      for (String pointer : pointers(tree, "")) {
        for (String value : replacements) {
          ObjectNode copy = (ObjectNode) tree.deepCopy();
          JsonNode parent = copy.at(pointer.substring(0, pointer.lastIndexOf('/')));
          String last = pointer.substring(pointer.lastIndexOf('/') + 1);
          JsonNode v = json.readTree(value);
          if (parent instanceof ObjectNode o) {
            o.set(last, v);
          } else {
            ((ArrayNode) parent).set(Integer.parseInt(last), v);
          }
          try {
            SpecJson.parse(copy.toString());
            parsed++;
          } catch (SpecException e) {
            assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), copy.toString());
          } catch (RuntimeException e) {
            throw new AssertionError(copy + " threw " + e, e);
          }
        }
      }
    }
    assertTrue(parsed > 0, "some replacements are valid specs");
  }

  private static List<String> pointers(JsonNode node, String at) {
    List<String> out = new java.util.ArrayList<>();
    if (node.isObject()) {
      node.fieldNames().forEachRemaining(f -> {
        out.add(at + "/" + f);
        out.addAll(pointers(node.get(f), at + "/" + f));
      });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        out.add(at + "/" + i);
        out.addAll(pointers(node.get(i), at + "/" + i));
      }
    }
    return out;
  }

  /** A field added to a spec record but not to its JSON form would be written yet refused on reading. */
  @Test
  void everySpecRecordFieldHasAFormField() {
    Map<Class<?>, Class<?>> pairs = Map.of(AutoencoderSpec.class, SpecJson.SpecForm.class,
        SparsitySpec.class, SpecJson.SparsityForm.class, ContractiveSpec.class, SpecJson.ContractiveForm.class,
        ConvSpec.class, SpecJson.ConvForm.class, CorruptionSpec.class, SpecJson.CorruptionForm.class,
        TrainingSpec.class, SpecJson.TrainingForm.class);
    pairs.forEach((spec, form) -> {
      Set<String> formFields = Arrays.stream(form.getRecordComponents()).map(RecordComponent::getName)
          .collect(Collectors.toSet());
      for (RecordComponent c : spec.getRecordComponents()) {
        assertTrue(formFields.contains(c.getName()), spec.getSimpleName() + "." + c.getName() + " is missing from "
            + form.getSimpleName());
      }
    });
  }

  @Test
  void malformedJsonGivesLineAndColumn() {
    SpecException e = rejects("{\"name\": \"x\",\n \"codeSize\": }");
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
  }

  @Test
  void convCodeShapeFollowsThePooling() {
    AutoencoderSpec conv = AutoencoderSpec.builder("c").convolutional(ConvSpec.tutorial()).build();
    assertEquals(List.of(4, 4, 8), conv.codeShape());
    assertEquals(8, conv.codeSize());
  }
}
