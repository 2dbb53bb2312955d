package io.aebridge.serve.grpc;

import com.google.protobuf.Any;
import com.google.protobuf.Int64Value;
import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.InferenceRequest;
import io.aebridge.serve.core.InferenceResponse;
import io.aebridge.serve.core.ServedModel;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.Texts;
import io.aebridge.serve.core.VersionSelector;
import io.grpc.stub.StreamObserver;
import java.util.LinkedHashMap;
import java.util.Map;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import tensorflow.serving.Classification.ClassificationRequest;
import tensorflow.serving.Classification.ClassificationResponse;
import tensorflow.serving.GetModelMetadata.GetModelMetadataRequest;
import tensorflow.serving.GetModelMetadata.GetModelMetadataResponse;
import tensorflow.serving.GetModelMetadata.SignatureDefMap;
import tensorflow.serving.Inference.MultiInferenceRequest;
import tensorflow.serving.Inference.MultiInferenceResponse;
import tensorflow.serving.Model.ModelSpec;
import tensorflow.serving.Predict.PredictRequest;
import tensorflow.serving.Predict.PredictResponse;
import tensorflow.serving.PredictionServiceGrpc;
import tensorflow.serving.RegressionOuterClass.RegressionRequest;
import tensorflow.serving.RegressionOuterClass.RegressionResponse;

/**
 * TF Serving's {@code tensorflow.serving.PredictionService}: {@code Predict} and {@code GetModelMetadata};
 * {@code Classify}, {@code Regress} and {@code MultiInference} (tf.Example signatures) answer UNIMPLEMENTED.
 */
final class PredictionServiceImpl extends PredictionServiceGrpc.PredictionServiceImplBase {
  private final GrpcHost host;
  private final TensorCodec codec;

  PredictionServiceImpl(GrpcHost host, TensorCodec codec) {
    this.host = host;
    this.codec = codec;
  }

  /**
   * Decodes and queues the request on the calling (transport) thread and answers from the thread that ran the
   * model: no thread waits for the batch (see {@link GrpcServer}).
   */
  @Override
  public void predict(PredictRequest request, StreamObserver<PredictResponse> out) {
    GrpcErrors.answerLater(out, () -> {
      long deadline = host.core().deadline(CallContext.clientTimeout());
      ModelSpec spec = request.getModelSpec();
      ServedModel model = acquire(spec);
      try {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        request.getInputsMap().forEach((name, t) -> inputs.put(name, codec.decode(name, t)));
        return host.core().inferAsync(model, new InferenceRequest(model.name(),
            new VersionSelector.Number(model.version()), spec.getSignatureName(), inputs,
            request.getOutputFilterList()), deadline)
            .whenComplete((r, e) -> model.close())
            .thenApply(r -> {
              PredictResponse.Builder b = PredictResponse.newBuilder().setModelSpec(answered(r.model(),
                  r.version(), r.signature()));
              r.outputs().forEach((name, t) -> b.putOutputs(name, TensorCodec.encode(t)));
              return b.build();
            });
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    });
  }

  @Override
  public void getModelMetadata(GetModelMetadataRequest request, StreamObserver<GetModelMetadataResponse> out) {
    GrpcErrors.answer(out, () -> {
      if (request.getMetadataFieldCount() == 0) {
        throw ServingException.invalid("metadata_field is empty; ask for [\"signature_def\"]");
      }
      for (String f : request.getMetadataFieldList()) {
        if (!f.equals("signature_def")) {
          throw ServingException.invalid("Metadata field '" + Texts.abbreviate(f) + "' is not supported; the "
              + "supported one is signature_def");
        }
      }
      try (ServedModel model = acquire(request.getModelSpec())) {
        SignatureDefMap.Builder defs = SignatureDefMap.newBuilder();
        model.signatures().forEach((key, sig) -> defs.putSignatureDef(key, signatureDef(sig)));
        return GetModelMetadataResponse.newBuilder()
            .setModelSpec(answered(model.name(), model.version(), ""))
            .putMetadata("signature_def", Any.pack(defs.build()))
            .build();
      }
    });
  }

  @Override
  public void classify(ClassificationRequest request, StreamObserver<ClassificationResponse> out) {
    out.onError(unimplemented("Classify"));
  }

  @Override
  public void regress(RegressionRequest request, StreamObserver<RegressionResponse> out) {
    out.onError(unimplemented("Regress"));
  }

  @Override
  public void multiInference(MultiInferenceRequest request, StreamObserver<MultiInferenceResponse> out) {
    out.onError(unimplemented("MultiInference"));
  }

  private static RuntimeException unimplemented(String method) {
    return GrpcErrors.toStatus(new ServingException(ErrorCode.UNIMPLEMENTED, method + " takes tf.Example "
        + "signatures (classify/regress), which autoencoders do not export; use Predict"));
  }

  /** The version {@code spec} names, acquired; the caller closes it. */
  private ServedModel acquire(ModelSpec spec) {
    if (spec.getName().isEmpty()) {
      throw ServingException.invalid("model_spec.name is empty; name the model");
    }
    VersionSelector version = switch (spec.getVersionChoiceCase()) {
      case VERSION -> {
        long v = spec.getVersion().getValue();
        if (v < 1) {
          throw ServingException.notFound("Version " + v + " of model '" + Texts.abbreviate(spec.getName())
              + "' does not exist (versions are positive integers)");
        }
        yield new VersionSelector.Number(v);
      }
      case VERSION_LABEL -> new VersionSelector.Label(spec.getVersionLabel());
      default -> VersionSelector.LATEST;
    };
    ServedModel model = host.core().acquire(spec.getName(), version);
    CallContext.model(model.name());
    return model;
  }

  private static ModelSpec answered(String model, long version, String signature) {
    return ModelSpec.newBuilder().setName(model).setVersion(Int64Value.of(version)).setSignatureName(signature)
        .build();
  }

  static SignatureDef signatureDef(SignatureInfo sig) {
    SignatureDef.Builder b = SignatureDef.newBuilder().setMethodName(sig.methodName() == null ? ""
        : sig.methodName());
    for (TensorSpec t : sig.inputs()) {
      b.putInputs(t.key(), tensorInfo(t));
    }
    for (TensorSpec t : sig.outputs()) {
      b.putOutputs(t.key(), tensorInfo(t));
    }
    return b.build();
  }

  private static TensorInfo tensorInfo(TensorSpec t) {
    return TensorInfo.newBuilder().setName(t.tensorName()).setDtype(t.dtype())
        .setTensorShape(TensorCodec.shapeProto(t.shape())).build();
  }
}
