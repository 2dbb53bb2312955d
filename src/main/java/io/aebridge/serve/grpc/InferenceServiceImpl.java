package io.aebridge.serve.grpc;

import com.google.protobuf.ByteString;
import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.serve.core.InferenceRequest;
import io.aebridge.serve.core.InferenceResponse;
import io.aebridge.serve.core.InferenceStatistics;
import io.aebridge.serve.core.ServedModel;
import io.aebridge.serve.core.ServingCore;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.Texts;
import io.aebridge.serve.core.VersionSelector;
import io.grpc.stub.StreamObserver;
import inference.GRPCInferenceServiceGrpc;
import inference.GrpcPredictV2.InferBatchStatistics;
import inference.GrpcPredictV2.InferParameter;
import inference.GrpcPredictV2.InferStatistics;
import inference.GrpcPredictV2.InferTensorContents;
import inference.GrpcPredictV2.ModelConfigRequest;
import inference.GrpcPredictV2.ModelConfigResponse;
import inference.GrpcPredictV2.ModelInferRequest;
import inference.GrpcPredictV2.ModelInferResponse;
import inference.GrpcPredictV2.ModelMetadataRequest;
import inference.GrpcPredictV2.ModelMetadataResponse;
import inference.GrpcPredictV2.ModelReadyRequest;
import inference.GrpcPredictV2.ModelReadyResponse;
import inference.GrpcPredictV2.ModelStatistics;
import inference.GrpcPredictV2.ModelStatisticsRequest;
import inference.GrpcPredictV2.ModelStatisticsResponse;
import inference.GrpcPredictV2.RepositoryModelLoadRequest;
import inference.GrpcPredictV2.RepositoryModelLoadResponse;
import inference.GrpcPredictV2.RepositoryModelUnloadRequest;
import inference.GrpcPredictV2.RepositoryModelUnloadResponse;
import inference.GrpcPredictV2.ServerLiveRequest;
import inference.GrpcPredictV2.ServerLiveResponse;
import inference.GrpcPredictV2.ServerMetadataRequest;
import inference.GrpcPredictV2.ServerMetadataResponse;
import inference.GrpcPredictV2.ServerReadyRequest;
import inference.GrpcPredictV2.ServerReadyResponse;
import inference.GrpcPredictV2.StatisticDuration;
import inference.ModelConfigOuterClass.ModelConfig;
import inference.ModelConfigOuterClass.ModelDynamicBatching;
import inference.ModelConfigOuterClass.ModelInput;
import inference.ModelConfigOuterClass.ModelOutput;
import inference.ModelConfigOuterClass.ModelParameter;
import inference.ModelConfigOuterClass.ModelVersionPolicy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.DataType;

/**
 * The KServe V2 / Open Inference Protocol {@code inference.GRPCInferenceService}: liveness, readiness, metadata,
 * {@code ModelInfer} (typed {@code contents} or {@code raw_input_contents}; the answer is raw when the request was,
 * typed otherwise; the {@code signature_name} request parameter picks a signature as in REST), Triton's
 * {@code ModelConfig} and {@code ModelStatistics} (its configuration and statistics extensions, as REST's
 * {@code /config} and {@code /stats}) and repository load/unload behind the management token.
 */
final class InferenceServiceImpl extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
  static final String SIGNATURE_PARAMETER = "signature_name";
  private static final String VERSION = versionOfThisServer();

  private final GrpcHost host;
  private final TensorCodec codec;

  InferenceServiceImpl(GrpcHost host, TensorCodec codec) {
    this.host = host;
    this.codec = codec;
  }

  @Override
  public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
    GrpcErrors.answer(out, () -> ServerLiveResponse.newBuilder().setLive(true).build());
  }

  @Override
  public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
    GrpcErrors.answer(out, () -> ServerReadyResponse.newBuilder().setReady(host.ready()).build());
  }

  @Override
  public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
    GrpcErrors.answer(out, () -> ServerMetadataResponse.newBuilder().setName("aebridge").setVersion(VERSION)
        .addExtensions("model_repository").addExtensions("model_configuration").addExtensions("statistics").build());
  }

  @Override
  public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
    GrpcErrors.answer(out, () -> {
      try (ServedModel m = acquire(request.getName(), request.getVersion())) {
        return ModelReadyResponse.newBuilder().setReady(true).build();
      } catch (ServingException e) {
        if (e.code().canonical() == io.aebridge.serve.core.ErrorCode.NOT_FOUND) {
          return ModelReadyResponse.newBuilder().setReady(false).build();
        }
        throw e;
      }
    });
  }

  @Override
  public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
    GrpcErrors.answer(out, () -> {
      try (ServedModel m = acquire(request.getName(), request.getVersion())) {
        SignatureInfo sig = ServingCore.signature(m, "");
        ModelMetadataResponse.Builder b = ModelMetadataResponse.newBuilder().setName(m.name())
            .setPlatform("tensorflow_savedmodel");
        for (GrpcHost.VersionState s : host.status(m.name())) {
          if (s.state().equals("AVAILABLE")) {
            b.addVersions(Long.toString(s.version()));
          }
        }
        for (TensorSpec t : sig.inputs()) {
          b.addInputs(metadata(t));
        }
        for (TensorSpec t : sig.outputs()) {
          b.addOutputs(metadata(t));
        }
        return b.build();
      }
    });
  }

  /** As {@link PredictionServiceImpl#predict}: queued on the calling thread, answered from the model's. */
  @Override
  public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
    GrpcErrors.answerLater(out, () -> {
      long deadline = host.core().deadline(CallContext.clientTimeout());
      boolean raw = request.getRawInputContentsCount() > 0;
      if (raw && request.getRawInputContentsCount() != request.getInputsCount()) {
        throw ServingException.invalid("raw_input_contents holds " + request.getRawInputContentsCount()
            + " entries for " + request.getInputsCount() + " inputs; send one per input, in input order");
      }
      ServedModel m = acquire(request.getModelName(), request.getModelVersion());
      try {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (int i = 0; i < request.getInputsCount(); i++) {
          ModelInferRequest.InferInputTensor in = request.getInputs(i);
          if (inputs.containsKey(in.getName())) {
            throw ServingException.invalid("Input '" + Texts.abbreviate(in.getName()) + "' is given twice");
          }
          inputs.put(in.getName(), decode(in, raw ? request.getRawInputContents(i) : null));
        }
        List<String> filter = new ArrayList<>();
        request.getOutputsList().forEach(o -> filter.add(o.getName()));
        InferParameter sigParam = request.getParametersMap().get(SIGNATURE_PARAMETER);
        String signature = sigParam == null ? "" : sigParam.getStringParam();
        return host.core().inferAsync(m, new InferenceRequest(m.name(), new VersionSelector.Number(m.version()),
            signature, inputs, filter, true), deadline)
            .whenComplete((r, e) -> m.close())
            .thenApply(r -> response(request, r, raw));
      } catch (RuntimeException e) {
        m.close();
        throw e;
      }
    });
  }

  private static ModelInferResponse response(ModelInferRequest request, InferenceResponse r, boolean raw) {
    ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(r.model())
        .setModelVersion(Long.toString(r.version())).setId(request.getId());
    r.outputs().forEach((name, t) -> {
      ModelInferResponse.InferOutputTensor.Builder o = ModelInferResponse.InferOutputTensor.newBuilder()
          .setName(name).setDatatype(datatype(t.dtype()));
      for (long d : t.shape()) {
        o.addShape(d);
      }
      if (raw) {
        b.addRawOutputContents(ByteString.copyFrom(t.toLittleEndian()));
      } else {
        o.setContents(contents(t));
      }
      b.addOutputs(o);
    });
    return b.build();
  }

  /**
   * Triton's model configuration extension, as REST's {@code /v2/models/{m}[/versions/{v}]/config}: platform,
   * version policy, {@code max_batch_size}, the default signature's inputs and outputs as TYPE_* with dims (the batch
   * dimension left out when every tensor has one), dynamic batching when the server batches the model, and the
   * signature's name under {@code parameters}.
   */
  @Override
  public void modelConfig(ModelConfigRequest request, StreamObserver<ModelConfigResponse> out) {
    GrpcErrors.answer(out, () -> {
      try (ServedModel m = acquire(request.getName(), request.getVersion())) {
        SignatureInfo sig = ServingCore.signature(m, "");
        boolean batched = sig.inputs().stream().allMatch(TensorSpec::batched)
            && sig.outputs().stream().allMatch(TensorSpec::batched);
        GrpcHost.ModelSettings settings = host.settings(m.name());
        ModelVersionPolicy.Builder policy = ModelVersionPolicy.newBuilder();
        switch (settings.versionPolicy()) {
          case "LATEST" -> policy.setLatest(ModelVersionPolicy.Latest.newBuilder()
              .setNumVersions(settings.latestCount()));
          case "ALL" -> policy.setAll(ModelVersionPolicy.All.getDefaultInstance());
          case "SPECIFIC" -> policy.setSpecific(ModelVersionPolicy.Specific.newBuilder()
              .addAllVersions(settings.specificVersions()));
          default -> throw new IllegalStateException("Unknown version policy " + settings.versionPolicy());
        }
        ModelConfig.Builder c = ModelConfig.newBuilder().setName(m.name()).setPlatform("tensorflow_savedmodel")
            .setBackend("tensorflow").setVersionPolicy(policy)
            .setMaxBatchSize(batched ? host.core().maxBatch() : 0)
            .putParameters(SIGNATURE_PARAMETER, ModelParameter.newBuilder().setStringValue(sig.key()).build());
        for (TensorSpec t : sig.inputs()) {
          c.addInput(ModelInput.newBuilder().setName(t.key()).setDataType(configType(t))
              .addAllDims(dims(t, batched)));
        }
        for (TensorSpec t : sig.outputs()) {
          c.addOutput(ModelOutput.newBuilder().setName(t.key()).setDataType(configType(t))
              .addAllDims(dims(t, batched)));
        }
        if (batched && settings.batching()) {
          c.setDynamicBatching(ModelDynamicBatching.newBuilder().addPreferredBatchSize(settings.preferredBatchSize())
              .setMaxQueueDelayMicroseconds(settings.maxDelayMicros()));
        }
        return ModelConfigResponse.newBuilder().setConfig(c).build();
      }
    });
  }

  /**
   * Triton's statistics extension, from the core's figures of every protocol (the ones REST's
   * {@code /v2/models/{m}/stats} shows): the named version, or every available version when none is named.
   * compute_input, compute_output and the cache figures are not measured apart and stay 0.
   */
  @Override
  public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> out) {
    GrpcErrors.answer(out, () -> {
      List<Long> versions;
      try (ServedModel m = acquire(request.getName(), request.getVersion())) {
        versions = request.getVersion().isEmpty() ? host.status(m.name()).stream()
            .filter(s -> s.state().equals("AVAILABLE")).map(GrpcHost.VersionState::version).sorted().toList()
            : List.of(m.version());
      }
      ModelStatisticsResponse.Builder b = ModelStatisticsResponse.newBuilder();
      for (long v : versions) {
        InferenceStatistics.Snapshot x = host.core().statistics().snapshot(request.getName(), v);
        ModelStatistics.Builder s = ModelStatistics.newBuilder().setName(x.model())
            .setVersion(Long.toString(x.version())).setLastInference(x.lastInferenceMillis())
            .setInferenceCount(x.inferenceCount()).setExecutionCount(x.executionCount())
            .setInferenceStats(InferStatistics.newBuilder().setSuccess(duration(x.success()))
                .setFail(duration(x.fail())).setQueue(duration(x.queue())).setComputeInfer(duration(x.computeInfer())));
        for (InferenceStatistics.BatchStat batch : x.batches()) {
          s.addBatchStats(InferBatchStatistics.newBuilder().setBatchSize(batch.batchSize())
              .setComputeInfer(duration(batch.computeInfer())));
        }
        b.addModelStats(s);
      }
      return b.build();
    });
  }

  private static StatisticDuration duration(InferenceStatistics.Timing t) {
    return StatisticDuration.newBuilder().setCount(t.count()).setNs(t.ns()).build();
  }

  private static inference.ModelConfigOuterClass.DataType configType(TensorSpec t) {
    return inference.ModelConfigOuterClass.DataType.valueOf("TYPE_"
        + HostTensor.v2Datatype(t.dtype()).replace("BYTES", "STRING"));
  }

  /** The tensor's dims, without the batch dimension when the model is batched; none when the rank is unknown. */
  private static List<Long> dims(TensorSpec t, boolean batched) {
    List<Long> dims = new ArrayList<>();
    if (t.rankKnown()) {
      long[] shape = t.shape();
      for (int i = batched ? 1 : 0; i < shape.length; i++) {
        dims.add(shape[i]);
      }
    }
    return dims;
  }

  @Override
  public void repositoryModelLoad(RepositoryModelLoadRequest request,
      StreamObserver<RepositoryModelLoadResponse> out) {
    GrpcErrors.answer(out, () -> {
      Management.authorize(host);
      String name = modelName(request.getModelName(), request.getUnknownFields());
      List<GrpcHost.VersionState> states = host.load(name);
      CallContext.model(name);
      boolean loaded = states.stream().anyMatch(s -> s.state().equals("AVAILABLE"));
      return RepositoryModelLoadResponse.newBuilder().setModelName(name).setIsLoaded(loaded).build();
    });
  }

  @Override
  public void repositoryModelUnload(RepositoryModelUnloadRequest request,
      StreamObserver<RepositoryModelUnloadResponse> out) {
    GrpcErrors.answer(out, () -> {
      Management.authorize(host);
      String name = modelName(request.getModelName(), request.getUnknownFields());
      host.unload(name);
      CallContext.model(name);
      return RepositoryModelUnloadResponse.newBuilder().setModelName(name).setIsUnloaded(true).build();
    });
  }

  /**
   * The model a repository call names. KServe's proto has {@code model_name = 1}; Triton's, which its clients
   * (tritonclient's load_model/unload_model) send, has {@code repository_name = 1, model_name = 2}: field 2 is
   * read when field 1 is empty.
   */
  private static String modelName(String field1, com.google.protobuf.UnknownFieldSet unknown) {
    if (!field1.isEmpty()) {
      return field1;
    }
    com.google.protobuf.UnknownFieldSet.Field tritonName = unknown.getField(2);
    if (tritonName != null && tritonName.getLengthDelimitedList().size() == 1) {
      return tritonName.getLengthDelimitedList().get(0).toStringUtf8();
    }
    throw ServingException.invalid("The model name is empty; name the model (model_name)");
  }

  private ServedModel acquire(String name, String version) {
    if (name.isEmpty()) {
      throw ServingException.invalid("The model name is empty; name the model");
    }
    VersionSelector v = version.isEmpty() ? VersionSelector.LATEST : VersionSelector.parseNumber(name, version);
    ServedModel m = host.core().acquire(name, v);
    CallContext.model(m.name());
    return m;
  }

  private HostTensor decode(ModelInferRequest.InferInputTensor in, ByteString raw) {
    String what = "Input '" + Texts.abbreviate(in.getName()) + "'";
    DataType dtype = dtype(what, in.getDatatype());
    long[] shape = new long[in.getShapeCount()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = in.getShape(i);
      if (shape[i] < 0) {
        throw ServingException.invalid(what + " has dimension " + i + " of size " + shape[i] + "; sizes are at "
            + "least 0");
      }
    }
    int n = codec.elements(what, shape, HostTensor.byteSize(dtype));
    InferTensorContents c = in.getContents();
    if (raw != null) {
      if (!c.equals(InferTensorContents.getDefaultInstance())) {
        throw ServingException.invalid(what + " carries typed contents beside raw_input_contents; send one");
      }
      long want = (long) n * HostTensor.byteSize(dtype);
      if (raw.size() != want) {
        throw ServingException.invalid(what + ": its raw_input_contents entry holds " + raw.size() + " bytes; "
            + "shape " + Arrays.toString(shape) + " of " + in.getDatatype() + " needs " + want);
      }
      return HostTensor.fromLittleEndian(dtype, shape, raw.asReadOnlyByteBuffer());
    }
    int given = switch (dtype) {
      case DT_FLOAT -> c.getFp32ContentsCount();
      case DT_DOUBLE -> c.getFp64ContentsCount();
      case DT_INT32 -> c.getIntContentsCount();
      default -> c.getInt64ContentsCount();
    };
    int all = c.getBoolContentsCount() + c.getIntContentsCount() + c.getInt64ContentsCount()
        + c.getUintContentsCount() + c.getUint64ContentsCount() + c.getFp32ContentsCount()
        + c.getFp64ContentsCount() + c.getBytesContentsCount();
    if (all != given || given != n) {
      throw ServingException.invalid(what + " is " + in.getDatatype() + " of shape " + Arrays.toString(shape)
          + ": send exactly " + n + " values in " + field(dtype) + " (found " + given + " there and "
          + (all - given) + " in other fields)");
    }
    return switch (dtype) {
      case DT_FLOAT -> {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = c.getFp32Contents(i);
        }
        yield HostTensor.ofFloats(shape, v);
      }
      case DT_DOUBLE -> {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
          v[i] = c.getFp64Contents(i);
        }
        yield HostTensor.ofDoubles(shape, v);
      }
      case DT_INT32 -> {
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
          v[i] = c.getIntContents(i);
        }
        yield HostTensor.ofInts(shape, v);
      }
      default -> {
        long[] v = new long[n];
        for (int i = 0; i < n; i++) {
          v[i] = c.getInt64Contents(i);
        }
        yield HostTensor.ofLongs(shape, v);
      }
    };
  }

  private static InferTensorContents contents(HostTensor t) {
    InferTensorContents.Builder c = InferTensorContents.newBuilder();
    switch (t.dtype()) {
      case DT_FLOAT -> {
        for (float v : (float[]) t.array()) {
          c.addFp32Contents(v);
        }
      }
      case DT_DOUBLE -> {
        for (double v : (double[]) t.array()) {
          c.addFp64Contents(v);
        }
      }
      case DT_INT32 -> {
        for (int v : (int[]) t.array()) {
          c.addIntContents(v);
        }
      }
      case DT_INT64 -> {
        for (long v : (long[]) t.array()) {
          c.addInt64Contents(v);
        }
      }
      default -> throw new IllegalStateException("HostTensor of " + t.dtype());
    }
    return c.build();
  }

  private static ModelMetadataResponse.TensorMetadata metadata(TensorSpec t) {
    ModelMetadataResponse.TensorMetadata.Builder b = ModelMetadataResponse.TensorMetadata.newBuilder()
        .setName(t.key()).setDatatype(HostTensor.supports(t.dtype()) ? datatype(t.dtype()) : t.dtype().name());
    if (t.shape() != null) {
      for (long d : t.shape()) {
        b.addShape(d);
      }
    }
    return b.build();
  }

  static String datatype(DataType dtype) {
    return switch (dtype) {
      case DT_FLOAT -> "FP32";
      case DT_DOUBLE -> "FP64";
      case DT_INT32 -> "INT32";
      case DT_INT64 -> "INT64";
      default -> throw new IllegalArgumentException("No V2 datatype for " + dtype);
    };
  }

  private static DataType dtype(String what, String datatype) {
    return switch (datatype) {
      case "FP32" -> DataType.DT_FLOAT;
      case "FP64" -> DataType.DT_DOUBLE;
      case "INT32" -> DataType.DT_INT32;
      case "INT64" -> DataType.DT_INT64;
      default -> throw ServingException.invalid(what + " has datatype '" + Texts.abbreviate(datatype) + "'; "
          + "supported: FP32, FP64, INT32, INT64");
    };
  }

  private static String field(DataType dtype) {
    return switch (dtype) {
      case DT_FLOAT -> "fp32_contents";
      case DT_DOUBLE -> "fp64_contents";
      case DT_INT32 -> "int_contents";
      default -> "int64_contents";
    };
  }

  private static String versionOfThisServer() {
    String v = InferenceServiceImpl.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
