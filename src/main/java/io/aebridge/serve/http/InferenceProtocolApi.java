package io.aebridge.serve.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.aebridge.load.BuildInfo;
import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.serve.ServerConfig;
import io.aebridge.serve.Services;
import io.aebridge.serve.core.InferenceRequest;
import io.aebridge.serve.core.InferenceResponse;
import io.aebridge.serve.core.InferenceStatistics;
import io.aebridge.serve.core.ServedModel;
import io.aebridge.serve.core.ServingCore;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.VersionSelector;
import io.aebridge.serve.repository.VersionPolicy;
import io.aebridge.serve.repository.VersionStatus;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.DataType;

/**
 * The Open Inference Protocol V2 (KServe / Triton REST): health, server and model metadata, readiness and
 * {@code /infer} with JSON tensors (flat or nested data, {@code id} echoed, output selection) and Triton's binary
 * tensor data extension ({@code Inference-Header-Content-Length}, {@code binary_data_size}, binary outputs on
 * request), and Triton's model configuration and statistics extensions. A model's inputs and outputs are those of
 * its {@code serving_default} signature, or of the one named by the request parameter {@code signature_name} (query
 * parameter {@code signature_name} for metadata and configuration); metadata also lists every signature under
 * {@code signatures}. Decodes and encodes only: requests run through {@link io.aebridge.serve.core.ServingCore}.
 */
public final class InferenceProtocolApi {
  public static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final String PLATFORM = "tensorflow_savedmodel";
  private static final String INFER_DESCRIPTION = "JSON body, or with the binary tensor extension a JSON header "
      + "whose byte length is given in the Inference-Header-Content-Length header, followed by each binary input's "
      + "raw little-endian bytes in input order. Datatypes FP32, FP64, INT32, INT64.";

  private final Services s;

  public InferenceProtocolApi(Services services) {
    this.s = services;
  }

  public void register(Routes r) {
    r.get("/v2").tag("open-inference").summary("Server metadata").response("OipServerMetadata")
        .handle(this::serverMetadata);
    r.get("/v2/health/live").tag("open-inference").summary("Liveness: 200 while the server runs")
        .response("OipLive").handle(ctx -> Http.json(ctx, g -> {
          g.writeStartObject();
          g.writeBooleanField("live", true);
          g.writeEndObject();
        }));
    r.get("/v2/health/ready").tag("open-inference").summary("Readiness: 200 once the models folder is loaded, "
        + "503 before").response("OipReady").handle(ctx -> {
          boolean ready = s.repository().ready();
          ctx.status(ready ? 200 : 503);
          Http.json(ctx, g -> {
            g.writeStartObject();
            g.writeBooleanField("ready", ready);
            g.writeEndObject();
          });
        });
    r.get("/v2/models/{m}").tag("open-inference").summary("Model metadata (latest version)")
        .response("OipModelMetadata").handle(ctx -> modelMetadata(ctx, VersionSelector.LATEST));
    r.get("/v2/models/{m}/versions/{v}").tag("open-inference").summary("Model metadata of one version")
        .response("OipModelMetadata").handle(ctx -> modelMetadata(ctx, PathParams.version(ctx)));
    r.get("/v2/models/{m}/ready").tag("open-inference").summary("Model readiness: 200 ready, 503 not yet, 404 "
        + "unknown").response("OipModelReady").handle(ctx -> modelReady(ctx, VersionSelector.LATEST));
    r.get("/v2/models/{m}/versions/{v}/ready").tag("open-inference").summary("Readiness of one version")
        .response("OipModelReady").handle(ctx -> modelReady(ctx, PathParams.version(ctx)));
    r.post("/v2/models/{m}/infer").tag("open-inference").summary("Inference with the latest version")
        .description(INFER_DESCRIPTION).request("OipInferRequest").response("OipInferResponse")
        .handle(ctx -> infer(ctx, VersionSelector.LATEST));
    r.post("/v2/models/{m}/versions/{v}/infer").tag("open-inference").summary("Inference with one version")
        .description(INFER_DESCRIPTION).request("OipInferRequest").response("OipInferResponse")
        .handle(ctx -> infer(ctx, PathParams.version(ctx)));
    for (String prefix : List.of("/v2/models/{m}", "/v2/models/{m}/versions/{v}")) {
      String which = prefix.contains("{v}") ? " of one version" : " (latest version)";
      r.get(prefix + "/config").tag("open-inference").summary("Model configuration in Triton's terms" + which)
          .description("Triton's model configuration extension: platform, version policy, max_batch_size, "
              + "inputs and outputs of the signature (query signature_name, default serving_default) with "
              + "TYPE_* data types, and dynamic_batching when the server batches.")
          .response("TritonModelConfig").handle(ctx -> modelConfig(ctx, PathParams.version(ctx)));
      r.get(prefix + "/stats").tag("open-inference").summary("Inference statistics in Triton's terms" + which)
          .description("Triton's statistics extension, from what the server measured since start over every "
              + "protocol: success/fail counts and time, queue time in the batcher, session runs (compute_infer, "
              + "which includes input and output copies; compute_input and compute_output are not measured "
              + "apart and stay 0) and runs per batch size.")
          .response("TritonModelStatistics").handle(ctx -> modelStatistics(ctx, PathParams.version(ctx)));
    }
  }

  private void serverMetadata(Context ctx) throws IOException {
    PathParams.onlyQuery(ctx);
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeStringField("name", "aebridge");
      g.writeStringField("version", BuildInfo.current().projectVersion());
      g.writeArrayFieldStart("extensions");
      g.writeString("binary_tensor_data");
      g.writeString("model_repository");
      g.writeString("model_configuration");
      g.writeString("statistics");
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private void modelMetadata(Context ctx, VersionSelector selector) throws IOException {
    PathParams.onlyQuery(ctx, "signature_name");
    String m = PathParams.model(ctx);
    try (ServedModel h = s.core().acquire(m, selector)) {
      Http.model(ctx, m);
      SignatureInfo sig = ServingCore.signature(h, ctx.queryParam("signature_name"));
      List<String> versions = s.repository().status(m).stream()
          .filter(v -> v.state() == VersionStatus.State.AVAILABLE).map(v -> Long.toString(v.version())).toList();
      Http.json(ctx, g -> {
        g.writeStartObject();
        g.writeStringField("name", m);
        g.writeArrayFieldStart("versions");
        for (String v : versions) {
          g.writeString(v);
        }
        g.writeEndArray();
        g.writeStringField("platform", PLATFORM);
        writeTensorMetadata(g, "inputs", sig.inputs());
        writeTensorMetadata(g, "outputs", sig.outputs());
        // V2 metadata describes one signature; every other one (encode, decode …) is listed here in the same
        // terms, and is called with parameters.signature_name on /infer (?signature_name= here).
        g.writeStringField("signature_name", sig.key());
        g.writeArrayFieldStart("signatures");
        for (SignatureInfo other : h.signatures().values()) {
          g.writeStartObject();
          g.writeStringField("name", other.key());
          g.writeBooleanField("default", other.key().equals(h.defaultSignature().orElse(null)));
          writeTensorMetadata(g, "inputs", other.inputs());
          writeTensorMetadata(g, "outputs", other.outputs());
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      });
    }
  }

  private static void writeTensorMetadata(JsonGenerator g, String field, List<TensorSpec> specs) throws IOException {
    g.writeArrayFieldStart(field);
    for (TensorSpec t : specs) {
      g.writeStartObject();
      g.writeStringField("name", t.key());
      g.writeStringField("datatype", HostTensor.v2Datatype(t.dtype()));
      g.writeFieldName("shape");
      TensorJson.writeShape(g, t.rankKnown() ? t.shape() : new long[0]);
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private void modelReady(Context ctx, VersionSelector selector) throws IOException {
    PathParams.onlyQuery(ctx);
    String m = PathParams.model(ctx);
    if (!s.repository().knows(m)) {
      throw ServingException.notFound("Unknown model '" + TensorJson.abbreviate(m) + "'; models are "
          + s.repository().knownModels());
    }
    Http.model(ctx, m);
    boolean ready;
    try (ServedModel h = s.core().acquire(m, selector)) {
      ready = h != null;
    } catch (ServingException notAvailable) {
      if (selector instanceof VersionSelector.Number sp && s.repository().status(m).stream()
          .noneMatch(v -> v.version() == sp.version())) {
        throw notAvailable;
      }
      ready = false;
    }
    boolean r = ready;
    ctx.status(r ? 200 : 503);
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeStringField("name", m);
      g.writeBooleanField("ready", r);
      g.writeEndObject();
    });
  }

  /** Triton's model configuration ({@code model_config.proto} as JSON) of one signature of the version. */
  private void modelConfig(Context ctx, VersionSelector selector) throws IOException {
    PathParams.onlyQuery(ctx, "signature_name");
    String m = PathParams.model(ctx);
    try (ServedModel h = s.core().acquire(m, selector)) {
      Http.model(ctx, m);
      SignatureInfo sig = ServingCore.signature(h, ctx.queryParam("signature_name"));
      // Triton's max_batch_size > 0 means every tensor has a batch dimension left out of its dims.
      boolean batched = batchedEverywhere(sig);
      ServerConfig.Batching batching = s.config().batchingOf(m);
      VersionPolicy policy = s.config().versionPolicyOf(m);
      Http.json(ctx, g -> {
        g.writeStartObject();
        g.writeStringField("name", m);
        g.writeStringField("platform", PLATFORM);
        g.writeStringField("backend", "tensorflow");
        g.writeObjectFieldStart("version_policy");
        switch (policy.kind()) {
          case LATEST -> {
            g.writeObjectFieldStart("latest");
            g.writeNumberField("num_versions", policy.latestCount());
            g.writeEndObject();
          }
          case ALL -> {
            g.writeObjectFieldStart("all");
            g.writeEndObject();
          }
          case SPECIFIC -> {
            g.writeObjectFieldStart("specific");
            g.writeArrayFieldStart("versions");
            for (long v : policy.specific()) {
              g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeEndObject();
          }
          default -> throw new IllegalStateException("Unknown version policy " + policy.kind());
        }
        g.writeEndObject();
        g.writeNumberField("max_batch_size", batched ? s.config().limits().maxBatch() : 0);
        writeConfigTensors(g, "input", sig.inputs(), batched);
        writeConfigTensors(g, "output", sig.outputs(), batched);
        if (batched && batching.enabled()) {
          g.writeObjectFieldStart("dynamic_batching");
          g.writeArrayFieldStart("preferred_batch_size");
          g.writeNumber(batching.maxBatchSize());
          g.writeEndArray();
          g.writeNumberField("max_queue_delay_microseconds", batching.maxDelayMicros());
          g.writeEndObject();
        }
        g.writeObjectFieldStart("parameters");
        g.writeObjectFieldStart("signature_name");
        g.writeStringField("string_value", sig.key());
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
      });
    }
  }

  /** Whether every input and output of {@code sig} has a variable leading (batch) dimension. */
  private static boolean batchedEverywhere(SignatureInfo sig) {
    for (List<TensorSpec> side : List.of(sig.inputs(), sig.outputs())) {
      for (TensorSpec t : side) {
        if (!t.batched()) {
          return false;
        }
      }
    }
    return true;
  }

  private static void writeConfigTensors(JsonGenerator g, String field, List<TensorSpec> specs, boolean batched)
      throws IOException {
    g.writeArrayFieldStart(field);
    for (TensorSpec t : specs) {
      g.writeStartObject();
      g.writeStringField("name", t.key());
      g.writeStringField("data_type", "TYPE_" + HostTensor.v2Datatype(t.dtype()).replace("BYTES", "STRING"));
      g.writeArrayFieldStart("dims");
      if (t.rankKnown()) {
        long[] shape = t.shape();
        for (int i = batched ? 1 : 0; i < shape.length; i++) {
          g.writeNumber(shape[i]);
        }
      }
      g.writeEndArray();
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  /** Triton's statistics of every version the path names ({@code model_statistics} response as JSON). */
  private void modelStatistics(Context ctx, VersionSelector selector) throws IOException {
    PathParams.onlyQuery(ctx);
    String m = PathParams.model(ctx);
    List<Long> versions;
    try (ServedModel h = s.core().acquire(m, selector)) {
      Http.model(ctx, m);
      // Without a version in the path Triton answers every available version.
      versions = selector instanceof VersionSelector.Latest ? s.repository().status(m).stream()
          .filter(v -> v.state() == VersionStatus.State.AVAILABLE).map(VersionStatus::version).sorted().toList()
          : List.of(h.version());
    }
    List<InferenceStatistics.Snapshot> shown = versions.stream()
        .map(v -> s.core().statistics().snapshot(m, v)).toList();
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("model_stats");
      for (InferenceStatistics.Snapshot x : shown) {
        g.writeStartObject();
        g.writeStringField("name", x.model());
        g.writeStringField("version", Long.toString(x.version()));
        g.writeNumberField("last_inference", x.lastInferenceMillis());
        g.writeNumberField("inference_count", x.inferenceCount());
        g.writeNumberField("execution_count", x.executionCount());
        g.writeObjectFieldStart("inference_stats");
        writeTiming(g, "success", x.success());
        writeTiming(g, "fail", x.fail());
        writeTiming(g, "queue", x.queue());
        writeTiming(g, "compute_input", new InferenceStatistics.Timing(0, 0));
        writeTiming(g, "compute_infer", x.computeInfer());
        writeTiming(g, "compute_output", new InferenceStatistics.Timing(0, 0));
        writeTiming(g, "cache_hit", new InferenceStatistics.Timing(0, 0));
        writeTiming(g, "cache_miss", new InferenceStatistics.Timing(0, 0));
        g.writeEndObject();
        g.writeArrayFieldStart("batch_stats");
        for (InferenceStatistics.BatchStat b : x.batches()) {
          g.writeStartObject();
          g.writeNumberField("batch_size", b.batchSize());
          writeTiming(g, "compute_input", new InferenceStatistics.Timing(0, 0));
          writeTiming(g, "compute_infer", b.computeInfer());
          writeTiming(g, "compute_output", new InferenceStatistics.Timing(0, 0));
          g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private static void writeTiming(JsonGenerator g, String field, InferenceStatistics.Timing t) throws IOException {
    g.writeObjectFieldStart(field);
    g.writeNumberField("count", t.count());
    g.writeNumberField("ns", t.ns());
    g.writeEndObject();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // /infer

  /** One input as the request describes it. */
  private static final class Input {
    String name;
    long[] shape;
    String datatype;
    long binarySize = -1;
    NumberBuffer data;
    TensorJson.Shape nested;
    HostTensor tensor;
  }

  /** One requested output. */
  private record Output(String name, Boolean binary) {}

  /** A parsed infer request. */
  private static final class Request {
    String id;
    String signatureName;
    boolean binaryOutput;
    final List<Input> inputs = new ArrayList<>();
    List<Output> outputs;
  }

  private void infer(Context ctx, VersionSelector selector) throws IOException {
    PathParams.onlyQuery(ctx);
    String m = PathParams.model(ctx);
    long deadline = s.deadline();
    try (ServedModel h = s.core().acquire(m, selector)) {
      Http.model(ctx, m);
      byte[] body = Http.body(ctx, s.config().limits().maxBodyBytes());
      int headerLength = headerLength(ctx, body.length);
      Request request = parse(body, headerLength, h);
      Map<String, HostTensor> inputs = tensors(request, body, headerLength);
      List<String> filter = request.outputs == null ? List.of() : request.outputs.stream().map(Output::name).toList();
      // V2: one batch per request, its size shared by every batched input (as Triton).
      InferenceResponse response = s.core().infer(h, new InferenceRequest(m, selector, request.signatureName, inputs,
          filter, true), deadline);
      respond(ctx, response, request);
    }
  }

  private static int headerLength(Context ctx, int bodyLength) {
    String text = ctx.header(HEADER_LENGTH);
    if (text == null) {
      return bodyLength;
    }
    long n;
    try {
      n = Long.parseLong(text.trim());
    } catch (NumberFormatException e) {
      throw ServingException.invalid(HEADER_LENGTH + " must be a byte count, found '" + TensorJson.abbreviate(text)
          + "'");
    }
    if (n <= 0 || n > bodyLength) {
      throw ServingException.invalid(HEADER_LENGTH + " is " + n + " but the body has " + bodyLength + " bytes");
    }
    return (int) n;
  }

  private static Request parse(byte[] body, int headerLength, ServedModel model) throws IOException {
    Request request = new Request();
    try (JsonParser p = TensorJson.JSON.createParser(body, 0, headerLength)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ServingException.invalid("The inference request must be a JSON object, found "
            + TensorJson.describe(p.currentToken()) + TensorJson.at(p));
      }
      boolean sawInputs = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "id" -> {
            if (t != JsonToken.VALUE_STRING) {
              throw ServingException.invalid("\"id\" must be a string, found " + TensorJson.describe(t)
                  + TensorJson.at(p));
            }
            request.id = p.getText();
          }
          case "parameters" -> readRequestParameters(p, request);
          case "inputs" -> {
            expect(p, JsonToken.START_ARRAY, "\"inputs\" must be a list of tensors");
            while (p.nextToken() != JsonToken.END_ARRAY) {
              request.inputs.add(readInput(p, request, model, body.length));
            }
            sawInputs = true;
          }
          case "outputs" -> {
            expect(p, JsonToken.START_ARRAY, "\"outputs\" must be a list of {\"name\": …}");
            request.outputs = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
              request.outputs.add(readOutput(p));
            }
          }
          default -> p.skipChildren();
        }
      }
      if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw ServingException.invalid("Unexpected content after the JSON request" + TensorJson.at(p)
            + (headerLength < body.length ? "" : " (binary data needs the " + HEADER_LENGTH + " header)"));
      }
      if (!sawInputs || request.inputs.isEmpty()) {
        throw ServingException.invalid("The request has no \"inputs\"");
      }
    }
    return request;
  }

  private static void expect(JsonParser p, JsonToken token, String message) {
    if (p.currentToken() != token) {
      throw ServingException.invalid(message + ", found " + TensorJson.describe(p.currentToken()) + TensorJson.at(p));
    }
  }

  private static void readRequestParameters(JsonParser p, Request request) throws IOException {
    expect(p, JsonToken.START_OBJECT, "\"parameters\" must be an object");
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken t = p.nextToken();
      switch (name) {
        case "binary_data_output" -> request.binaryOutput = bool(p, t, name);
        case "signature_name" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw ServingException.invalid("parameters.signature_name must be a string" + TensorJson.at(p));
          }
          request.signatureName = p.getText();
        }
        default -> throw unsupportedParameter("request", name, "binary_data_output, signature_name", p);
      }
    }
  }

  /** A V2 parameter this server does not implement ({@code class_count}, {@code priority} …): refused, not ignored. */
  private static ServingException unsupportedParameter(String level, String name, String accepted, JsonParser p) {
    return ServingException.invalid("Unsupported " + level + " parameter '" + TensorJson.abbreviate(name) + "'"
        + TensorJson.at(p) + "; accepted " + level + " parameters: " + accepted);
  }

  private static boolean bool(JsonParser p, JsonToken t, String name) {
    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
      throw ServingException.invalid("Parameter \"" + name + "\" must be true or false, found " + TensorJson.describe(t)
          + TensorJson.at(p));
    }
    return t == JsonToken.VALUE_TRUE;
  }

  private static Input readInput(JsonParser p, Request request, ServedModel model, int bodyLength)
      throws IOException {
    expect(p, JsonToken.START_OBJECT, "Each input must be an object with name, shape, datatype and data");
    Input in = new Input();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "name" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw ServingException.invalid("An input's \"name\" must be a string" + TensorJson.at(p));
          }
          in.name = p.getText();
        }
        case "datatype" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw ServingException.invalid("An input's \"datatype\" must be a string" + TensorJson.at(p));
          }
          in.datatype = p.getText();
        }
        case "shape" -> in.shape = readShape(p);
        case "parameters" -> {
          expect(p, JsonToken.START_OBJECT, "An input's \"parameters\" must be an object");
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("binary_data_size")) {
              if (v != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
                throw ServingException.invalid("binary_data_size must be a non-negative integer" + TensorJson.at(p));
              }
              in.binarySize = p.getLongValue();
            } else {
              throw unsupportedParameter("input", name, "binary_data_size", p);
            }
          }
        }
        case "data" -> {
          String label = in.name == null ? "inputs[" + request.inputs.size() + "]" : in.name;
          DataType hint = in.datatype != null ? HostTensor.fromV2Datatype(in.datatype)
              : dtypeByName(model, request, in.name);
          long expected = in.shape == null ? 1024 : count(in.shape, label);
          if (expected > bodyLength) {
            throw ServingException.invalid("Input '" + label + "' declares shape " + Arrays.toString(in.shape)
                + " (" + expected + " values), more than a body of " + bodyLength + " bytes can hold");
          }
          in.data = new NumberBuffer(hint, (int) expected);
          in.nested = new TensorJson.Shape();
          TensorJson.readNested(p, in.data, in.nested, 0, label);
        }
        default -> p.skipChildren();
      }
    }
    if (in.name == null || in.shape == null || in.datatype == null) {
      throw ServingException.invalid("Input " + (in.name == null ? "#" + request.inputs.size() : "'" + in.name + "'")
          + " needs \"name\", \"shape\" and \"datatype\"");
    }
    if (in.data == null && in.binarySize < 0) {
      throw ServingException.invalid("Input '" + in.name + "' has neither \"data\" nor parameters.binary_data_size");
    }
    if (in.data != null && in.binarySize >= 0) {
      throw ServingException.invalid("Input '" + in.name + "' has both \"data\" and parameters.binary_data_size");
    }
    return in;
  }

  /** The dtype the signature gives input {@code name}, to store its numbers while "datatype" is not read yet. */
  private static DataType dtypeByName(ServedModel model, Request request, String name) {
    if (name == null) {
      return null;
    }
    String key = request.signatureName;
    SignatureInfo sig = key == null || key.isEmpty() ? model.defaultSignature().map(model.signatures()::get)
        .orElse(null) : model.signatures().get(key);
    if (sig == null) {
      return null;
    }
    for (TensorSpec t : sig.inputs()) {
      if (t.key().equals(name)) {
        return t.dtype();
      }
    }
    return null;
  }

  private static long[] readShape(JsonParser p) throws IOException {
    expect(p, JsonToken.START_ARRAY, "\"shape\" must be a list of dimension sizes");
    List<Long> dims = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
        throw ServingException.invalid("\"shape\" must hold non-negative integers, found " + p.getText()
            + TensorJson.at(p));
      }
      if (dims.size() >= TensorJson.MAX_RANK) {
        throw ServingException.invalid("\"shape\" has more than " + TensorJson.MAX_RANK + " dimensions" + TensorJson.at(p));
      }
      dims.add(p.getLongValue());
    }
    return dims.stream().mapToLong(Long::longValue).toArray();
  }

  private static long count(long[] shape, String input) {
    long n = 1;
    for (long d : shape) {
      try {
        n = Math.multiplyExact(n, d);
      } catch (ArithmeticException e) {
        throw ServingException.invalid("Input '" + input + "' declares shape " + Arrays.toString(shape)
            + ", which overflows");
      }
    }
    return n;
  }

  private static Output readOutput(JsonParser p) throws IOException {
    expect(p, JsonToken.START_OBJECT, "Each requested output must be an object with a name");
    String name = null;
    Boolean binary = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      if (field.equals("name")) {
        if (t != JsonToken.VALUE_STRING) {
          throw ServingException.invalid("An output's \"name\" must be a string" + TensorJson.at(p));
        }
        name = p.getText();
      } else if (field.equals("parameters")) {
        expect(p, JsonToken.START_OBJECT, "An output's \"parameters\" must be an object");
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String param = p.currentName();
          JsonToken v = p.nextToken();
          if (param.equals("binary_data")) {
            binary = bool(p, v, param);
          } else {
            throw unsupportedParameter("output", param, "binary_data", p);
          }
        }
      } else {
        p.skipChildren();
      }
    }
    if (name == null) {
      throw ServingException.invalid("A requested output has no \"name\"");
    }
    return new Output(name, binary);
  }

  /**
   * Builds each input's tensor as the request declares it (binary ones from the body's tail); the serving core then
   * checks them against the signature.
   */
  private static Map<String, HostTensor> tensors(Request request, byte[] body, int headerLength) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    int offset = headerLength;
    for (Input in : request.inputs) {
      if (out.containsKey(in.name)) {
        throw ServingException.invalid("Input '" + in.name + "' is given twice");
      }
      DataType dtype = HostTensor.fromV2Datatype(in.datatype);
      if (dtype == null) {
        throw ServingException.invalid("Input '" + in.name + "' has datatype " + TensorJson.abbreviate(in.datatype)
            + ", which this server does not serve; supported: " + HostTensor.SUPPORTED_V2);
      }
      long n = count(in.shape, in.name);
      if (in.data != null) {
        if (in.data.size() != n) {
          throw ServingException.invalid("Input '" + in.name + "' has shape " + Arrays.toString(in.shape) + " ("
              + n + " values) but its data holds " + in.data.size() + " values");
        }
        in.tensor = in.data.toTensor(in.shape, dtype, in.name);
      } else {
        long bytes = n * HostTensor.byteSize(dtype);
        if (in.binarySize != bytes) {
          throw ServingException.invalid("Input '" + in.name + "' has shape " + Arrays.toString(in.shape) + " of "
              + in.datatype + " (" + bytes + " bytes) but binary_data_size " + in.binarySize);
        }
        if (headerLength == body.length) {
          throw ServingException.invalid("Input '" + in.name + "' is binary but the request has no "
              + HEADER_LENGTH + " header marking where the JSON ends");
        }
        if (offset + bytes > body.length) {
          throw ServingException.invalid("Input '" + in.name + "' needs " + bytes + " bytes of binary data at offset "
              + (offset - headerLength) + " but the body has only " + (body.length - offset) + " left");
        }
        in.tensor = HostTensor.fromLittleEndian(dtype, in.shape, ByteBuffer.wrap(body, offset, (int) bytes));
        offset += (int) bytes;
      }
      out.put(in.name, in.tensor);
    }
    if (offset != body.length && headerLength != body.length) {
      throw ServingException.invalid("The body has " + (body.length - offset) + " bytes after the binary inputs; "
          + HEADER_LENGTH + " or binary_data_size is wrong");
    }
    return out;
  }

  private static void respond(Context ctx, InferenceResponse response, Request request) throws IOException {
    Map<String, Boolean> binaryByName = new LinkedHashMap<>();
    if (request.outputs != null) {
      request.outputs.forEach(o -> binaryByName.put(o.name(), o.binary()));
    }
    List<HostTensor> binary = new ArrayList<>();
    byte[] header = Http.render(g -> {
      g.writeStartObject();
      g.writeStringField("model_name", response.model());
      g.writeStringField("model_version", Long.toString(response.version()));
      if (request.id != null) {
        g.writeStringField("id", request.id);
      }
      g.writeArrayFieldStart("outputs");
      for (Map.Entry<String, HostTensor> e : response.outputs().entrySet()) {
        HostTensor t = e.getValue();
        Boolean wanted = binaryByName.get(e.getKey());
        boolean asBinary = wanted != null ? wanted : request.binaryOutput;
        g.writeStartObject();
        g.writeStringField("name", e.getKey());
        g.writeStringField("datatype", HostTensor.v2Datatype(t.dtype()));
        g.writeFieldName("shape");
        TensorJson.writeShape(g, t.shape());
        if (asBinary) {
          g.writeObjectFieldStart("parameters");
          g.writeNumberField("binary_data_size", t.elementCount() * HostTensor.byteSize(t.dtype()));
          g.writeEndObject();
          binary.add(t);
        } else {
          g.writeFieldName("data");
          TensorJson.writeFlat(g, t);
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
    if (binary.isEmpty()) {
      ctx.contentType("application/json").result(header);
      return;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(header.length + 1024);
    out.write(header);
    for (HostTensor t : binary) {
      out.write(t.toLittleEndian());
    }
    ctx.disableCompression();
    ctx.header(HEADER_LENGTH, Integer.toString(header.length));
    Http.bytes(ctx, "application/octet-stream", out.toByteArray());
  }
}
