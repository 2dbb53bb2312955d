package io.aebridge.serve.grpc;

import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.Texts;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.tensorflow.proto.error.Code;
import tensorflow.serving.GetModelStatus.GetModelStatusRequest;
import tensorflow.serving.GetModelStatus.GetModelStatusResponse;
import tensorflow.serving.GetModelStatus.ModelVersionStatus;
import tensorflow.serving.ModelManagement.ReloadConfigRequest;
import tensorflow.serving.ModelManagement.ReloadConfigResponse;
import tensorflow.serving.ModelServerConfigOuterClass.ModelConfig;
import tensorflow.serving.ModelServiceGrpc;
import tensorflow.serving.Status.StatusProto;

/**
 * TF Serving's {@code tensorflow.serving.ModelService}: {@code GetModelStatus}, and {@code HandleReloadConfigRequest}
 * behind the management token. A reload names the models of the models folder to serve: the listed ones are
 * (re)loaded, the others unloaded (their files stay), as TF Serving replaces its served set. Models come from the
 * models folder only, and version policies and labels from the server's config file.
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

  @Override
  public void handleReloadConfigRequest(ReloadConfigRequest request, StreamObserver<ReloadConfigResponse> out) {
    GrpcErrors.answer(out, () -> {
      Management.authorize(host);
      if (request.getConfig().hasCustomModelConfig()) {
        throw new ServingException(ErrorCode.UNIMPLEMENTED, "custom_model_config is not supported; send "
            + "model_config_list");
      }
      Set<String> wanted = new LinkedHashSet<>();
      List<String> known = host.knownModels();
      for (ModelConfig m : request.getConfig().getModelConfigList().getConfigList()) {
        String name = m.getName();
        if (!known.contains(name)) {
          throw ServingException.notFound("No model folder '" + Texts.abbreviate(name) + "' under the models "
              + "root; models are " + known);
        }
        if (!m.getBasePath().isEmpty() && !Path.of(m.getBasePath()).getFileName().toString().equals(name)) {
          throw ServingException.invalid("Model '" + name + "': base_path '" + Texts.abbreviate(m.getBasePath())
              + "' is not its folder; this server serves <models root>/<name> (leave base_path empty)");
        }
        if (m.hasModelVersionPolicy() || m.getVersionLabelsCount() > 0) {
          throw new ServingException(ErrorCode.UNIMPLEMENTED, "Model '" + name + "': version policies and labels"
              + " are set in the server's config file, not by a reload");
        }
        wanted.add(name);
      }
      for (String name : known) {
        if (!wanted.contains(name)) {
          host.unload(name);
        }
      }
      for (String name : wanted) {
        host.load(name);
      }
      return ReloadConfigResponse.newBuilder().setStatus(StatusProto.newBuilder().setErrorCode(Code.OK)).build();
    });
  }
}
