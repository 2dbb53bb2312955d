package io.aebridge.serve.grpc;

import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.Texts;
import io.grpc.stub.StreamObserver;
import java.util.List;
import org.tensorflow.proto.error.Code;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.ModelManagement.ReloadConfigRequest;
import tensorflow.serving.ModelManagement.ReloadConfigResponse;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Status.StatusProto;

/**
 * TF Serving's {@code tensorflow.serving.ModelService}: {@code GetModelStatus}, and {@code HandleReloadConfigRequest}
 * behind the management token, which replaces the served set with the request's {@code model_config_list} (base
 * paths, version policies and labels) as TF Serving does; see {@link #handleReloadConfigRequest}.
 */
final class ModelServiceImpl extends ModelServiceGrpc.ModelServiceImplBase {
  private final GrpcHost host;

  ModelServiceImpl(GrpcHost host) {
    this.host = host;
  }

  @Override
  public void getModelStatus(GetModelStatusRequest request, StreamObserver<GetModelStatusResponse> out) {
    GrpcErrors.answer(out, () -> {
      String name = request.getModelSpec().getName();
      if (name.isEmpty()) {
        throw ServingException.invalid("model_spec.name is empty; name the model");
      }
      List<GrpcHost.VersionState> states = host.status(name);
      CallContext.model(name);
      long only = switch (request.getModelSpec().getVersionChoiceCase()) {
        case VERSION -> request.getModelSpec().getVersion().getValue();
        case VERSION_LABEL -> throw ServingException.invalid("GetModelStatus takes a version number, not a label "
            + "('" + Texts.abbreviate(request.getModelSpec().getVersionLabel()) + "')");
        default -> -1;
      };
      GetModelStatusResponse.Builder b = GetModelStatusResponse.newBuilder();
      for (GrpcHost.VersionState s : states) {
        if (only < 0 || s.version() == only) {
          b.addModelVersionStatus(ModelVersionStatus.newBuilder().setVersion(s.version())
              .setState(ModelVersionStatus.State.valueOf(s.state()))
              .setStatus(StatusProto.newBuilder().setErrorCode(Code.valueOf(s.errorCode()))
                  .setErrorMessage(s.errorMessage())));
        }
      }
      if (only >= 0 && b.getModelVersionStatusCount() == 0) {
        throw ServingException.notFound("Model '" + name + "' has no version " + only + "; its versions are "
            + states.stream().map(GrpcHost.VersionState::version).toList());
      }
      return b.build();
    });
  }

  /**
   * Makes the request's {@code ModelServerConfig} the served set, as TF Serving's {@code ServerCore::ReloadConfig}:
   * listed models are served from their {@code base_path} (absolute, as TF Serving requires; empty means
   * {@code <models root>/<name>} on a server started with a models root) with their version policy and labels, and
   * every other model is unloaded. The call waits until every load the change causes has finished — new models,
   * and new versions of listed ones — and answers OK only when each newly listed model has an available version.
   * A client deadline that passes first ends the call for the client; the reload still completes. Reloads run one
   * at a time, on the repository's loader thread.
   *
   * <p>Codes: UNAUTHENTICATED / PERMISSION_DENIED without the management token; UNIMPLEMENTED for
   * {@code custom_model_config} (TF Serving answers INVALID_ARGUMENT there, since it supports it only at start-up);
   * INVALID_ARGUMENT naming the field of a config that is wrong or that AE Bridge cannot serve (no
   * {@code model_config_list}, a name listed twice, a relative path); NOT_FOUND naming a base path that does not
   * exist; FAILED_PRECONDITION for a label on a version the reload would not serve (TF Serving's code for a label on
   * an unavailable version); nothing changes in these cases. UNKNOWN, as TF Serving's "N model(s) did not become
   * available", when a newly listed model failed to load; the new list then stays in force.
   */
  @Override
  public void handleReloadConfigRequest(ReloadConfigRequest request, StreamObserver<ReloadConfigResponse> out) {
    GrpcErrors.answer(out, () -> {
      Management.authorize(host);
      if (request.getConfig().hasCustomModelConfig()) {
        throw new ServingException(ErrorCode.UNIMPLEMENTED, "custom_model_config is not supported; send "
            + "model_config_list");
      }
      host.reloadConfig(request.getConfig());
      return ReloadConfigResponse.newBuilder().setStatus(StatusProto.newBuilder().setErrorCode(Code.OK)).build();
    });
  }
}
