package io.aebridge.serve.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import com.google.protobuf.Int64Value;
import inference.GrpcPredictV2.ModelInferRequest;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;

/** The generated TF Serving classes link against TF Java's own TensorFlow messages and keep the wire numbers. */
class GeneratedProtosTest {

  @Test
  void predictRequestUsesTfJavasTensorProto() throws Exception {
    var inputs = PredictRequest.getDescriptor().findFieldByName("inputs").getMessageType()
        .findFieldByName("value").getMessageType();
    assertSame(TensorProto.getDescriptor(), inputs);

    TensorProto t = TensorProto.newBuilder().setDtype(DataType.DT_FLOAT)
        .setTensorShape(TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(1))
            .addDim(TensorShapeProto.Dim.newBuilder().setSize(2)))
        .addFloatVal(0.25f).addFloatVal(0.5f).build();
    PredictRequest req = PredictRequest.newBuilder()
        .setModelSpec(ModelSpec.newBuilder().setName("m").setVersion(Int64Value.of(3)))
        .putInputs("x", t).build();
    PredictRequest back = PredictRequest.parseFrom(req.toByteArray());
    assertEquals(t, back.getInputsOrThrow("x"));
    assertEquals(3, back.getModelSpec().getVersion().getValue());
  }

  @Test
  void wireNumbersAreThePublishedOnes() {
    assertEquals(1, PredictRequest.MODEL_SPEC_FIELD_NUMBER);
    assertEquals(2, PredictRequest.INPUTS_FIELD_NUMBER);
    assertEquals(3, PredictRequest.OUTPUT_FILTER_FIELD_NUMBER);
    assertEquals(4, ModelSpec.VERSION_LABEL_FIELD_NUMBER);
    assertEquals(7, ModelInferRequest.RAW_INPUT_CONTENTS_FIELD_NUMBER);
    assertEquals("inference.GRPCInferenceService",
        inference.GRPCInferenceServiceGrpc.SERVICE_NAME);
    assertEquals("tensorflow.serving.PredictionService",
        tensorflow.serving.PredictionServiceGrpc.SERVICE_NAME);
  }
}
