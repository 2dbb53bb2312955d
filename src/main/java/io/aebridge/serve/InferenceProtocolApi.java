package io.aebridge.serve;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.aebridge.load.BuildInfo;
import io.aebridge.load.HostTensor;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.javalin.http.Context;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.tensorflow.proto.DataType;

/**
 * The Open Inference Protocol V2 (KServe / Triton REST): health, server and model metadata, readiness and
 * {@code /infer} with JSON tensors (flat or nested data, {@code id} echoed, output selection) and Triton's binary
 * tensor data extension ({@code Inference-Header-Content-Length}, {@code binary_data_size}, binary outputs on
 * request). A model's inputs and outputs are those of its {@code serving_default} signature, or of the one named by
 * the request parameter {@code signature_name} (query parameter {@code signature_name} for metadata).
 */
final class InferenceProtocolApi {
  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  private static final String PLATFORM = "tensorflow_savedmodel";
  private static final String INFER_DESCRIPTION = "JSON body, or with the binary tensor extension a JSON header "
      + "whose byte length is given in the Inference-Header-Content-Length header, followed by each binary input's "
      + "raw little-endian bytes in input order. Datatypes FP32, FP64, INT32, INT64.";

  private final Services s;

  InferenceProtocolApi(Services services) {
    this.s = services;
  }

  void register(Routes r) {
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
        .response("OipModelMetadata").handle(ctx -> modelMetadata(ctx, new ModelRepository.Latest()));
    r.get("/v2/models/{m}/versions/{v}").tag("open-inference").summary("Model metadata of one version")
        .response("OipModelMetadata").handle(ctx -> modelMetadata(ctx, specific(ctx)));
    r.get("/v2/models/{m}/ready").tag("open-inference").summary("Model readiness: 200 ready, 503 not yet, 404 "
        + "unknown").response("OipModelReady").handle(ctx -> modelReady(ctx, new ModelRepository.Latest()));
    r.get("/v2/models/{m}/versions/{v}/ready").tag("open-inference").summary("Readiness of one version")
        .response("OipModelReady").handle(ctx -> modelReady(ctx, specific(ctx)));
    r.post("/v2/models/{m}/infer").tag("open-inference").summary("Inference with the latest version")
        .description(INFER_DESCRIPTION).request("OipInferRequest").response("OipInferResponse")
        .handle(ctx -> infer(ctx, new ModelRepository.Latest()));
    r.post("/v2/models/{m}/versions/{v}/infer").tag("open-inference").summary("Inference with one version")
        .description(INFER_DESCRIPTION).request("OipInferRequest").response("OipInferResponse")
        .handle(ctx -> infer(ctx, specific(ctx)));
  }

  private ModelRepository.Specific specific(Context ctx) {
    String text = ctx.pathParam("v");
    OptionalLong v = ModelLayout.parseVersion(text);
    if (v.isEmpty()) {
      throw ApiException.notFound("Version '" + TensorJson.abbreviate(text) + "' of model '" + ctx.pathParam("m")
          + "' is not a positive integer");
    }
    return new ModelRepository.Specific(v.getAsLong());
  }

  private void serverMetadata(Context ctx) throws IOException {
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeStringField("name", "aebridge");
      g.writeStringField("version", BuildInfo.current().projectVersion());
      g.writeArrayFieldStart("extensions");
      g.writeString("binary_tensor_data");
      g.writeString("model_repository");
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private void modelMetadata(Context ctx, ModelRepository.Selector selector) throws IOException {
    String m = ctx.pathParam("m");
    try (ModelHandle h = s.repository().acquire(m, selector)) {
      Http.model(ctx, m);
      SignatureInfo sig = h.signature(ctx.queryParam("signature_name"));
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
        g.writeEndObject();
      });
    }
  }

  private static void writeTensorMetadata(JsonGenerator g, String field, List<TensorSpec> specs) throws IOException {
    g.writeArrayFieldStart(field);
    for (TensorSpec t : specs) {
      g.writeStartObject();
      g.writeStringField("name", t.key());
      g.writeStringField("datatype", TensorJson.oipDatatype(t.dtype()));
      g.writeFieldName("shape");
      TensorJson.writeShape(g, t.rankKnown() ? t.shape() : new long[0]);
      g.writeEndObject();
    }
    g.writeEndArray();
  }

  private void modelReady(Context ctx, ModelRepository.Selector selector) throws IOException {
    String m = ctx.pathParam("m");
    if (!s.repository().knows(m)) {
      throw ApiException.notFound("Unknown model '" + TensorJson.abbreviate(m) + "'; models are "
          + s.repository().knownModels());
    }
    Http.model(ctx, m);
    boolean ready;
    try (ModelHandle h = s.repository().acquire(m, selector)) {
      ready = h != null;
    } catch (ApiException notAvailable) {
      if (selector instanceof ModelRepository.Specific sp && s.repository().status(m).stream()
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

  private void infer(Context ctx, ModelRepository.Selector selector) throws IOException {
    String m = ctx.pathParam("m");
    long deadline = s.deadline();
    try (ModelHandle h = s.repository().acquire(m, selector)) {
      Http.model(ctx, m);
      byte[] body = Http.body(ctx, s.config().limits().maxBodyBytes());
      int headerLength = headerLength(ctx, body.length);
      Request request = parse(body, headerLength, h);
      SignatureInfo sig = h.signature(request.signatureName);
      Map<String, HostTensor> inputs = tensors(request, sig, body, headerLength, h);
      List<Output> wanted = outputs(request, sig);
      Map<String, HostTensor> outputs = s.run(h, sig, inputs, deadline);
      respond(ctx, h, request, wanted, outputs);
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
      throw ApiException.invalid(HEADER_LENGTH + " must be a byte count, found '" + TensorJson.abbreviate(text)
          + "'");
    }
    if (n <= 0 || n > bodyLength) {
      throw ApiException.invalid(HEADER_LENGTH + " is " + n + " but the body has " + bodyLength + " bytes");
    }
    return (int) n;
  }

  private static Request parse(byte[] body, int headerLength, ModelHandle model) throws IOException {
    Request request = new Request();
    try (JsonParser p = TensorJson.JSON.createParser(body, 0, headerLength)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ApiException.invalid("The inference request must be a JSON object, found "
            + TensorJson.describe(p.currentToken()) + TensorJson.at(p));
      }
      boolean sawInputs = false;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken t = p.nextToken();
        switch (field) {
          case "id" -> {
            if (t != JsonToken.VALUE_STRING) {
              throw ApiException.invalid("\"id\" must be a string, found " + TensorJson.describe(t)
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
        throw ApiException.invalid("Unexpected content after the JSON request" + TensorJson.at(p)
            + (headerLength < body.length ? "" : " (binary data needs the " + HEADER_LENGTH + " header)"));
      }
      if (!sawInputs || request.inputs.isEmpty()) {
        throw ApiException.invalid("The request has no \"inputs\"");
      }
    }
    return request;
  }

  private static void expect(JsonParser p, JsonToken token, String message) {
    if (p.currentToken() != token) {
      throw ApiException.invalid(message + ", found " + TensorJson.describe(p.currentToken()) + TensorJson.at(p));
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
            throw ApiException.invalid("parameters.signature_name must be a string" + TensorJson.at(p));
          }
          request.signatureName = p.getText();
        }
        default -> p.skipChildren();
      }
    }
  }

  private static boolean bool(JsonParser p, JsonToken t, String name) {
    if (t != JsonToken.VALUE_TRUE && t != JsonToken.VALUE_FALSE) {
      throw ApiException.invalid("Parameter \"" + name + "\" must be true or false, found " + TensorJson.describe(t)
          + TensorJson.at(p));
    }
    return t == JsonToken.VALUE_TRUE;
  }

  private static Input readInput(JsonParser p, Request request, ModelHandle model, int bodyLength)
      throws IOException {
    expect(p, JsonToken.START_OBJECT, "Each input must be an object with name, shape, datatype and data");
    Input in = new Input();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken t = p.nextToken();
      switch (field) {
        case "name" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw ApiException.invalid("An input's \"name\" must be a string" + TensorJson.at(p));
          }
          in.name = p.getText();
        }
        case "datatype" -> {
          if (t != JsonToken.VALUE_STRING) {
            throw ApiException.invalid("An input's \"datatype\" must be a string" + TensorJson.at(p));
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
                throw ApiException.invalid("binary_data_size must be a non-negative integer" + TensorJson.at(p));
              }
              in.binarySize = p.getLongValue();
            } else {
              p.skipChildren();
            }
          }
        }
        case "data" -> {
          String label = in.name == null ? "inputs[" + request.inputs.size() + "]" : in.name;
          DataType hint = in.datatype != null ? TensorJson.fromOip(in.datatype) : dtypeByName(model, request, in.name);
          long expected = in.shape == null ? 1024 : count(in.shape, label);
          if (expected > bodyLength) {
            throw ApiException.invalid("Input '" + label + "' declares shape " + Arrays.toString(in.shape)
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
      throw ApiException.invalid("Input " + (in.name == null ? "#" + request.inputs.size() : "'" + in.name + "'")
          + " needs \"name\", \"shape\" and \"datatype\"");
    }
    if (in.data == null && in.binarySize < 0) {
      throw ApiException.invalid("Input '" + in.name + "' has neither \"data\" nor parameters.binary_data_size");
    }
    if (in.data != null && in.binarySize >= 0) {
      throw ApiException.invalid("Input '" + in.name + "' has both \"data\" and parameters.binary_data_size");
    }
    return in;
  }

  private static DataType dtypeByName(ModelHandle model, Request request, String name) {
    if (name == null) {
      return null;
    }
    String key = request.signatureName;
    SignatureInfo sig = key == null ? model.signatures().get(Servable.DEFAULT_SIGNATURE) : model.signatures().get(key);
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
        throw ApiException.invalid("\"shape\" must hold non-negative integers, found " + p.getText()
            + TensorJson.at(p));
      }
      if (dims.size() >= TensorJson.MAX_RANK) {
        throw ApiException.invalid("\"shape\" has more than " + TensorJson.MAX_RANK + " dimensions" + TensorJson.at(p));
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
        throw ApiException.invalid("Input '" + input + "' declares shape " + Arrays.toString(shape)
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
          throw ApiException.invalid("An output's \"name\" must be a string" + TensorJson.at(p));
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
            p.skipChildren();
          }
        }
      } else {
        p.skipChildren();
      }
    }
    if (name == null) {
      throw ApiException.invalid("A requested output has no \"name\"");
    }
    return new Output(name, binary);
  }

  /** Checks each input against the signature and builds its tensor (binary ones from the body's tail). */
  private static Map<String, HostTensor> tensors(Request request, SignatureInfo sig, byte[] body, int headerLength,
      ModelHandle model) {
    Map<String, HostTensor> out = new LinkedHashMap<>();
    int offset = headerLength;
    for (Input in : request.inputs) {
      TensorSpec spec = null;
      for (TensorSpec t : sig.inputs()) {
        if (t.key().equals(in.name)) {
          spec = t;
        }
      }
      if (spec == null) {
        throw ApiException.invalid("Model '" + model.name() + "' (signature '" + sig.key() + "') has no input '"
            + in.name + "'; its inputs are " + sig.inputs().stream().map(TensorSpec::key).toList());
      }
      if (out.containsKey(in.name)) {
        throw ApiException.invalid("Input '" + in.name + "' is given twice");
      }
      DataType dtype = TensorJson.fromOip(in.datatype);
      if (dtype == null) {
        throw ApiException.invalid("Input '" + in.name + "' has datatype " + TensorJson.abbreviate(in.datatype)
            + ", which this server does not serve; supported: FP32, FP64, INT32, INT64");
      }
      if (dtype != spec.dtype()) {
        throw ApiException.invalid("Input '" + in.name + "' expects datatype " + TensorJson.oipDatatype(spec.dtype())
            + ", got " + in.datatype);
      }
      long n = count(in.shape, in.name);
      if (in.data != null) {
        if (in.data.size() != n) {
          throw ApiException.invalid("Input '" + in.name + "' has shape " + Arrays.toString(in.shape) + " ("
              + n + " values) but its data holds " + in.data.size() + " values");
        }
        in.tensor = in.data.toTensor(in.shape, dtype, in.name);
      } else {
        long bytes = n * TensorJson.byteSize(dtype);
        if (in.binarySize != bytes) {
          throw ApiException.invalid("Input '" + in.name + "' has shape " + Arrays.toString(in.shape) + " of "
              + in.datatype + " (" + bytes + " bytes) but binary_data_size " + in.binarySize);
        }
        if (headerLength == body.length) {
          throw ApiException.invalid("Input '" + in.name + "' is binary but the request has no "
              + HEADER_LENGTH + " header marking where the JSON ends");
        }
        if (offset + bytes > body.length) {
          throw ApiException.invalid("Input '" + in.name + "' needs " + bytes + " bytes of binary data at offset "
              + (offset - headerLength) + " but the body has only " + (body.length - offset) + " left");
        }
        in.tensor = NumberBuffer.fromBinary(ByteBuffer.wrap(body, offset, (int) bytes), dtype, in.shape);
        offset += (int) bytes;
      }
      out.put(in.name, in.tensor);
    }
    if (offset != body.length && headerLength != body.length) {
      throw ApiException.invalid("The body has " + (body.length - offset) + " bytes after the binary inputs; "
          + HEADER_LENGTH + " or binary_data_size is wrong");
    }
    return out;
  }

  private static List<Output> outputs(Request request, SignatureInfo sig) {
    List<String> names = sig.outputs().stream().map(TensorSpec::key).toList();
    if (request.outputs == null || request.outputs.isEmpty()) {
      List<Output> all = new ArrayList<>();
      names.forEach(n -> all.add(new Output(n, null)));
      return all;
    }
    for (Output o : request.outputs) {
      if (!names.contains(o.name())) {
        throw ApiException.invalid("Requested output '" + o.name() + "' does not exist; outputs are " + names);
      }
    }
    return request.outputs;
  }

  private static void respond(Context ctx, ModelHandle h, Request request, List<Output> wanted,
      Map<String, HostTensor> outputs) throws IOException {
    List<HostTensor> binary = new ArrayList<>();
    byte[] header = Http.render(g -> {
      g.writeStartObject();
      g.writeStringField("model_name", h.name());
      g.writeStringField("model_version", Long.toString(h.version()));
      if (request.id != null) {
        g.writeStringField("id", request.id);
      }
      g.writeArrayFieldStart("outputs");
      for (Output o : wanted) {
        HostTensor t = outputs.get(o.name());
        boolean asBinary = o.binary() != null ? o.binary() : request.binaryOutput;
        g.writeStartObject();
        g.writeStringField("name", o.name());
        g.writeStringField("datatype", TensorJson.oipDatatype(t.dtype()));
        g.writeFieldName("shape");
        TensorJson.writeShape(g, t.shape());
        if (asBinary) {
          g.writeObjectFieldStart("parameters");
          g.writeNumberField("binary_data_size", t.elementCount() * TensorJson.byteSize(t.dtype()));
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
      out.write(littleEndian(t));
    }
    ctx.disableCompression();
    ctx.header(HEADER_LENGTH, Integer.toString(header.length));
    Http.bytes(ctx, "application/octet-stream", out.toByteArray());
  }

  private static byte[] littleEndian(HostTensor t) {
    int n = (int) t.elementCount();
    ByteBuffer b = ByteBuffer.allocate(n * TensorJson.byteSize(t.dtype())).order(ByteOrder.LITTLE_ENDIAN);
    Object a = t.array();
    if (a instanceof float[] f) {
      b.asFloatBuffer().put(f);
    } else if (a instanceof double[] d) {
      b.asDoubleBuffer().put(d);
    } else if (a instanceof int[] i) {
      b.asIntBuffer().put(i);
    } else {
      b.asLongBuffer().put((long[]) a);
    }
    return b.array();
  }
}
