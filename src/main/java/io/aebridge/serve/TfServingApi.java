package io.aebridge.serve;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.aebridge.load.HostTensor;
import io.aebridge.load.ModelLayout;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.proto.DataType;

/**
 * TensorFlow Serving's REST API: model status, metadata and {@code :predict} in row ({@code instances}) and
 * columnar ({@code inputs}) form, for a model's latest version, a version number or a label. Request tensors are
 * parsed straight into primitive arrays; NaN and ±Infinity are accepted and written bare.
 */
final class TfServingApi {
  private static final String PREDICT_DESCRIPTION = "Body {\"signature_name\"?, \"instances\": [...]} (row form: "
      + "one entry per sample, objects when the signature has several inputs) or {\"signature_name\"?, "
      + "\"inputs\": ...} (columnar: one tensor or name → tensor). Row requests get {\"predictions\": ...}, "
      + "columnar ones {\"outputs\": ...}; a single output's name is left out.";

  private final Services s;

  TfServingApi(Services services) {
    this.s = services;
  }

  void register(Routes r) {
    r.get("/v1/models").tag("tf-serving").summary("List models with their versions and signatures")
        .description("Not part of TF Serving; used by the web page.").response("ModelList").handle(this::list);
    r.get("/v1/models/{m}").tag("tf-serving").summary("Status of every version of a model")
        .response("ModelStatus").handle(ctx -> status(ctx, null));
    r.get("/v1/models/{m}/versions/{v}").tag("tf-serving").summary("Status of one version")
        .response("ModelStatus").handle(ctx -> status(ctx, version(ctx)));
    r.get("/v1/models/{m}/labels/{l}").tag("tf-serving").summary("Status of the version a label names")
        .response("ModelStatus").handle(ctx -> status(ctx, labelVersion(ctx)));
    r.get("/v1/models/{m}/metadata").tag("tf-serving").summary("Signatures of the latest version")
        .response("ModelMetadata").handle(ctx -> metadata(ctx, new ModelRepository.Latest()));
    r.get("/v1/models/{m}/versions/{v}/metadata").tag("tf-serving").summary("Signatures of one version")
        .response("ModelMetadata").handle(ctx -> metadata(ctx, new ModelRepository.Specific(version(ctx))));
    r.get("/v1/models/{m}/labels/{l}/metadata").tag("tf-serving").summary("Signatures of a labelled version")
        .response("ModelMetadata").handle(ctx -> metadata(ctx, new ModelRepository.Label(ctx.pathParam("l"))));
    r.post("/v1/models/{m}:predict").tag("tf-serving").summary("Predict with the latest version")
        .description(PREDICT_DESCRIPTION).request("PredictRequest").response("PredictResponse")
        .handle(ctx -> predict(ctx, new ModelRepository.Latest()));
    r.post("/v1/models/{m}/versions/{v}:predict").tag("tf-serving").summary("Predict with one version")
        .description(PREDICT_DESCRIPTION).request("PredictRequest").response("PredictResponse")
        .handle(ctx -> predict(ctx, new ModelRepository.Specific(version(ctx))));
    r.post("/v1/models/{m}/labels/{l}:predict").tag("tf-serving").summary("Predict with a labelled version")
        .description(PREDICT_DESCRIPTION).request("PredictRequest").response("PredictResponse")
        .handle(ctx -> predict(ctx, new ModelRepository.Label(ctx.pathParam("l"))));
    for (String verb : List.of("classify", "regress")) {
      r.post("/v1/models/{m}:" + verb).tag("tf-serving").summary("Not implemented: " + verb + " needs tf.Example "
          + "signatures; use :predict").handle(ctx -> {
            throw new ApiException(ApiException.Code.UNIMPLEMENTED, ":" + verb + " is not implemented: it needs "
                + "tf.Example (DT_STRING) signatures, which this server does not serve; use :predict");
          });
    }
  }

  /** The {@code {v}} path parameter as a version number, or 404 saying what versions exist. */
  private long version(Context ctx) {
    String text = ctx.pathParam("v");
    OptionalLong v = ModelLayout.parseVersion(text);
    if (v.isEmpty()) {
      String m = ctx.pathParam("m");
      throw ApiException.notFound("Version '" + TensorJson.abbreviate(text) + "' is not a positive integer"
          + (s.repository().knows(m) ? "; versions of '" + m + "': " + s.repository().status(m).stream()
              .map(VersionStatus::version).toList() : ""));
    }
    return v.getAsLong();
  }

  private long labelVersion(Context ctx) {
    String m = ctx.pathParam("m");
    String label = ctx.pathParam("l");
    Long v = s.config().labelsOf(m).get(label);
    if (v == null) {
      s.repository().status(m);
      throw ApiException.notFound("Model '" + m + "' has no label '" + TensorJson.abbreviate(label)
          + "'; its labels are " + s.config().labelsOf(m));
    }
    return v;
  }

  private void list(Context ctx) throws IOException {
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("models");
      for (String m : s.repository().knownModels()) {
        List<VersionStatus> versions;
        try {
          versions = s.repository().status(m);
        } catch (ApiException gone) {
          continue;
        }
        g.writeStartObject();
        g.writeStringField("name", m);
        g.writeArrayFieldStart("versions");
        for (VersionStatus v : versions) {
          writeVersionStatus(g, v);
        }
        g.writeEndArray();
        g.writeObjectFieldStart("labels");
        for (Map.Entry<String, Long> e : s.config().labelsOf(m).entrySet()) {
          g.writeStringField(e.getKey(), Long.toString(e.getValue()));
        }
        g.writeEndObject();
        if (s.repository().servedModels().contains(m)) {
          try (ModelHandle h = s.repository().acquire(m, new ModelRepository.Latest())) {
            g.writeStringField("latest", Long.toString(h.version()));
            g.writeArrayFieldStart("signatures");
            for (SignatureInfo sig : h.signatures().values()) {
              g.writeStartObject();
              g.writeStringField("name", sig.key());
              g.writeArrayFieldStart("inputs");
              for (TensorSpec t : sig.inputs()) {
                writeSpec(g, t);
              }
              g.writeEndArray();
              g.writeArrayFieldStart("outputs");
              for (TensorSpec t : sig.outputs()) {
                writeSpec(g, t);
              }
              g.writeEndArray();
              g.writeEndObject();
            }
            g.writeEndArray();
            g.writeBooleanField("autoencoder", AutoencoderApi.isAutoencoder(h));
          } catch (ApiException retired) {
            // Unloaded between the two looks: listed without signatures.
          }
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private static void writeSpec(JsonGenerator g, TensorSpec t) throws IOException {
    g.writeStartObject();
    g.writeStringField("name", t.key());
    g.writeStringField("dtype", t.dtype().name());
    if (t.rankKnown()) {
      g.writeFieldName("shape");
      TensorJson.writeShape(g, t.shape());
    }
    g.writeEndObject();
  }

  private void status(Context ctx, Long version) throws IOException {
    String m = ctx.pathParam("m");
    List<VersionStatus> all = s.repository().status(m);
    Http.model(ctx, m);
    List<VersionStatus> shown = version == null ? all
        : all.stream().filter(v -> v.version() == version).toList();
    if (shown.isEmpty()) {
      throw ApiException.notFound("Could not find version " + version + " of model " + m + "; versions are "
          + all.stream().map(VersionStatus::version).toList());
    }
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("model_version_status");
      for (VersionStatus v : shown) {
        writeVersionStatus(g, v);
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /** One entry of TF Serving's {@code model_version_status}; the management API answers with the same shape. */
  static void writeVersionStatus(JsonGenerator g, VersionStatus v) throws IOException {
    g.writeStartObject();
    g.writeStringField("version", Long.toString(v.version()));
    g.writeStringField("state", v.state().name());
    g.writeObjectFieldStart("status");
    g.writeStringField("error_code", v.errorCode());
    g.writeStringField("error_message", v.errorMessage());
    g.writeEndObject();
    g.writeEndObject();
  }

  private void metadata(Context ctx, ModelRepository.Selector selector) throws IOException {
    String m = ctx.pathParam("m");
    try (ModelHandle h = s.repository().acquire(m, selector)) {
      Http.model(ctx, m);
      Http.json(ctx, g -> {
        g.writeStartObject();
        g.writeObjectFieldStart("model_spec");
        g.writeStringField("name", h.name());
        g.writeStringField("signature_name", "");
        g.writeStringField("version", Long.toString(h.version()));
        g.writeEndObject();
        g.writeObjectFieldStart("metadata");
        g.writeObjectFieldStart("signature_def");
        g.writeObjectFieldStart("signature_def");
        for (SignatureInfo sig : h.signatures().values()) {
          g.writeObjectFieldStart(sig.key());
          writeTensorInfos(g, "inputs", sig.inputs());
          writeTensorInfos(g, "outputs", sig.outputs());
          g.writeStringField("method_name", sig.methodName());
          g.writeEndObject();
        }
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
        g.writeEndObject();
      });
    }
  }

  private static void writeTensorInfos(JsonGenerator g, String field, List<TensorSpec> specs) throws IOException {
    g.writeObjectFieldStart(field);
    for (TensorSpec t : specs) {
      g.writeObjectFieldStart(t.key());
      g.writeStringField("dtype", t.dtype().name());
      g.writeObjectFieldStart("tensor_shape");
      g.writeArrayFieldStart("dim");
      if (t.rankKnown()) {
        for (long d : t.shape()) {
          g.writeStartObject();
          g.writeStringField("size", Long.toString(d));
          g.writeStringField("name", "");
          g.writeEndObject();
        }
      }
      g.writeEndArray();
      g.writeBooleanField("unknown_rank", !t.rankKnown());
      g.writeEndObject();
      g.writeStringField("name", t.tensorName());
      g.writeEndObject();
    }
    g.writeEndObject();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // :predict

  private void predict(Context ctx, ModelRepository.Selector selector) throws IOException {
    String m = ctx.pathParam("m");
    long deadline = s.deadline();
    try (ModelHandle h = s.repository().acquire(m, selector)) {
      Http.model(ctx, m);
      byte[] body = Http.body(ctx, s.config().limits().maxBodyBytes());
      PredictRequest request = PredictRequest.parse(body, h, s.config().limits().maxBatch());
      Map<String, HostTensor> outputs = s.run(h, request.signature(), request.inputs(), deadline);
      Http.json(ctx, g -> writePrediction(g, request, outputs));
    }
  }

  private static void writePrediction(JsonGenerator g, PredictRequest request, Map<String, HostTensor> outputs)
      throws IOException {
    g.writeStartObject();
    if (request.rowFormat()) {
      long n = request.rows();
      for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
        long[] shape = e.getValue().shape();
        if (shape.length == 0 || shape[0] != n) {
          throw ApiException.invalid("Output '" + e.getKey() + "' has shape " + java.util.Arrays.toString(shape)
              + ", not one row per instance (" + n + "); send the request in the columnar \"inputs\" format");
        }
      }
      g.writeArrayFieldStart("predictions");
      for (int row = 0; row < n; row++) {
        if (outputs.size() == 1) {
          TensorJson.writeRow(g, outputs.values().iterator().next(), row);
        } else {
          g.writeStartObject();
          for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
            g.writeFieldName(e.getKey());
            TensorJson.writeRow(g, e.getValue(), row);
          }
          g.writeEndObject();
        }
      }
      g.writeEndArray();
    } else {
      g.writeFieldName("outputs");
      if (outputs.size() == 1) {
        TensorJson.writeNested(g, outputs.values().iterator().next());
      } else {
        g.writeStartObject();
        for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
          g.writeFieldName(e.getKey());
          TensorJson.writeNested(g, e.getValue());
        }
        g.writeEndObject();
      }
    }
    g.writeEndObject();
  }

  /**
   * A parsed {@code :predict} body.
   *
   * @param signature the signature to run
   * @param inputs the tensors by input key
   * @param rowFormat whether it came as {@code instances}
   * @param rows the number of instances (row format)
   */
  record PredictRequest(SignatureInfo signature, Map<String, HostTensor> inputs, boolean rowFormat, long rows) {

    /** A tensor as parsed, before its dtype is final. */
    private record Raw(NumberBuffer values, TensorJson.Shape shape) {}

    /**
     * Parses a TF Serving predict body against the signatures of {@code model}. Values are stored in the dtype of
     * the signature known when they are read ({@code signature_name} if it came first, else the default); when
     * {@code signature_name} comes later and names a signature needing more precision, the body is read again.
     */
    static PredictRequest parse(byte[] body, ModelHandle model, int maxBatch) throws IOException {
      return parse(body, model, maxBatch, null);
    }

    /** As {@link #parse(byte[], ModelHandle, int)}, but always for signature {@code fixed} when it is not null. */
    static PredictRequest parse(byte[] body, ModelHandle model, int maxBatch, SignatureInfo fixed)
        throws IOException {
      if (fixed != null) {
        return read(body, model, fixed, maxBatch).toRequest(model, fixed);
      }
      String defaultKey = model.signatures().containsKey(Servable.DEFAULT_SIGNATURE) ? Servable.DEFAULT_SIGNATURE
          : model.signatures().size() == 1 ? model.signatures().keySet().iterator().next() : null;
      SignatureInfo hint = defaultKey == null ? null : model.signatures().get(defaultKey);
      Parsed first = read(body, model, hint, maxBatch);
      SignatureInfo sig = model.signature(first.signatureName);
      Parsed parsed = first;
      if (sig != hint && first.needsReread(sig)) {
        parsed = read(body, model, sig, maxBatch);
      }
      return parsed.toRequest(model, sig);
    }

    private static final class Parsed {
      String signatureName;
      Boolean rows;
      long count;
      final Map<String, Raw> tensors = new LinkedHashMap<>();

      boolean needsReread(SignatureInfo sig) {
        for (Map.Entry<String, Raw> e : tensors.entrySet()) {
          TensorSpec spec = spec(sig, e.getKey());
          if (spec != null && e.getValue().values().lossyFor(spec.dtype())) {
            return true;
          }
        }
        return false;
      }

      PredictRequest toRequest(ModelHandle model, SignatureInfo sig) {
        Map<String, HostTensor> inputs = new LinkedHashMap<>();
        for (Map.Entry<String, Raw> e : tensors.entrySet()) {
          String name = e.getKey();
          if (name.isEmpty()) {
            if (sig.inputs().size() != 1) {
              throw ApiException.invalid("Signature '" + sig.key() + "' of model '" + model.name() + "' has "
                  + "inputs " + sig.inputs().stream().map(TensorSpec::key).toList() + "; name them ("
                  + (rows ? "each instance an object" : "\"inputs\": {name: tensor}") + ")");
            }
            name = sig.inputs().get(0).key();
          }
          TensorSpec spec = spec(sig, name);
          if (spec == null) {
            throw ApiException.invalid("Signature '" + sig.key() + "' of model '" + model.name() + "' has no input '"
                + name + "'; its inputs are " + sig.inputs().stream().map(TensorSpec::key).toList());
          }
          Raw raw = e.getValue();
          inputs.put(name, raw.values().toTensor(raw.shape().dims(), spec.dtype(), name));
        }
        return new PredictRequest(sig, inputs, rows, count);
      }
    }

    private static TensorSpec spec(SignatureInfo sig, String name) {
      if (sig == null) {
        return null;
      }
      for (TensorSpec t : sig.inputs()) {
        if (t.key().equals(name)) {
          return t;
        }
      }
      return null;
    }

    private static DataType dtypeOf(SignatureInfo sig, String name) {
      if (sig == null) {
        return null;
      }
      if (name.isEmpty()) {
        return sig.inputs().size() == 1 ? sig.inputs().get(0).dtype() : null;
      }
      TensorSpec t = spec(sig, name);
      return t == null ? null : t.dtype();
    }

    private static Parsed read(byte[] body, ModelHandle model, SignatureInfo defaultHint, int maxBatch)
        throws IOException {
      Parsed out = new Parsed();
      try (JsonParser p = TensorJson.JSON.createParser(body)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          throw ApiException.invalid("The body must be a JSON object with \"instances\" or \"inputs\", found "
              + TensorJson.describe(p.currentToken()) + TensorJson.at(p));
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String field = p.currentName();
          JsonToken value = p.nextToken();
          switch (field) {
            case "signature_name" -> {
              if (value != JsonToken.VALUE_STRING) {
                throw ApiException.invalid("\"signature_name\" must be a string, found "
                    + TensorJson.describe(value) + TensorJson.at(p));
              }
              out.signatureName = p.getText();
            }
            case "instances", "inputs" -> {
              if (out.rows != null) {
                throw ApiException.invalid("A request has either \"instances\" or \"inputs\", not both"
                    + TensorJson.at(p));
              }
              SignatureInfo hint = out.signatureName == null ? defaultHint
                  : model.signatures().get(out.signatureName);
              out.rows = field.equals("instances");
              if (out.rows) {
                readRows(p, hint, out, maxBatch);
              } else {
                readColumns(p, hint, out);
              }
            }
            default -> p.skipChildren();
          }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
          throw ApiException.invalid("Unexpected content after the request object" + TensorJson.at(p));
        }
      }
      if (out.rows == null) {
        throw ApiException.invalid("Missing \"instances\" or \"inputs\": the body must carry the input tensors");
      }
      return out;
    }

    private static Raw raw(Parsed out, String name, SignatureInfo hint) {
      return out.tensors.computeIfAbsent(name, n -> new Raw(new NumberBuffer(dtypeOf(hint, n), 1024),
          new TensorJson.Shape()));
    }

    /** {@code "instances": [value, …]} or {@code [{name: value, …}, …]}. */
    private static void readRows(JsonParser p, SignatureInfo hint, Parsed out, int maxBatch) throws IOException {
      if (p.currentToken() != JsonToken.START_ARRAY) {
        throw ApiException.invalid("\"instances\" must be a list with one entry per sample, found "
            + TensorJson.describe(p.currentToken()) + TensorJson.at(p));
      }
      JsonToken t = p.nextToken();
      if (t == JsonToken.END_ARRAY) {
        throw ApiException.invalid("\"instances\" is empty" + TensorJson.at(p));
      }
      boolean objects = t == JsonToken.START_OBJECT;
      long n = 0;
      if (!objects) {
        String name = hint != null && hint.inputs().size() == 1 ? hint.inputs().get(0).key() : "";
        if (hint != null && hint.inputs().size() > 1) {
          throw ApiException.invalid("Signature '" + hint.key() + "' has inputs " + hint.inputs().stream()
              .map(TensorSpec::key).toList() + "; each instance must be an object naming them" + TensorJson.at(p));
        }
        Raw raw = raw(out, name, hint);
        for (; t != JsonToken.END_ARRAY; t = p.nextToken()) {
          if (++n > maxBatch) {
            throw tooMany(maxBatch, p);
          }
          TensorJson.readNested(p, raw.values(), raw.shape(), 1, name.isEmpty() ? "instances" : name);
        }
        raw.shape().setDim(0, n, name, p);
      } else {
        Set<String> firstNames = null;
        for (; t != JsonToken.END_ARRAY; t = p.nextToken()) {
          if (++n > maxBatch) {
            throw tooMany(maxBatch, p);
          }
          if (t != JsonToken.START_OBJECT) {
            throw ApiException.invalid("Instances must be all objects or all values; instance " + (n - 1) + " is "
                + TensorJson.describe(t) + TensorJson.at(p));
          }
          Set<String> names = new TreeSet<>();
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            checkNotB64(name, hint, p);
            p.nextToken();
            Raw raw = raw(out, name, hint);
            TensorJson.readNested(p, raw.values(), raw.shape(), 1, name);
            names.add(name);
          }
          if (firstNames == null) {
            firstNames = names;
          } else if (!firstNames.equals(names)) {
            throw ApiException.invalid("Instance " + (n - 1) + " names inputs " + names + " but instance 0 named "
                + firstNames + "; every instance must name the same inputs" + TensorJson.at(p));
          }
        }
        for (Map.Entry<String, Raw> e : out.tensors.entrySet()) {
          e.getValue().shape().setDim(0, n, e.getKey(), p);
        }
      }
      out.count = n;
    }

    /** {@code "inputs": value} or {@code {name: value, …}}. */
    private static void readColumns(JsonParser p, SignatureInfo hint, Parsed out) throws IOException {
      if (p.currentToken() == JsonToken.START_OBJECT) {
        int names = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          checkNotB64(name, hint, p);
          p.nextToken();
          Raw raw = raw(out, name, hint);
          TensorJson.readNested(p, raw.values(), raw.shape(), 0, name);
          names++;
        }
        if (names == 0) {
          throw ApiException.invalid("\"inputs\" is an empty object" + TensorJson.at(p));
        }
        return;
      }
      String name = hint != null && hint.inputs().size() == 1 ? hint.inputs().get(0).key() : "";
      Raw raw = raw(out, name, hint);
      TensorJson.readNested(p, raw.values(), raw.shape(), 0, name.isEmpty() ? "inputs" : name);
    }

    /** A {@code {"b64": …}} value where a tensor or a name was expected: binary values are not served. */
    private static void checkNotB64(String name, SignatureInfo hint, JsonParser p) {
      if (name.equals("b64") && spec(hint, "b64") == null) {
        throw ApiException.invalid("Received a {\"b64\": …} value" + TensorJson.at(p) + ": base64 values are for "
            + "DT_STRING inputs, and this server serves numeric tensors only (DT_FLOAT, DT_DOUBLE, DT_INT32, "
            + "DT_INT64)");
      }
    }

    private static ApiException tooMany(int maxBatch, JsonParser p) {
      return ApiException.invalid("More than " + maxBatch + " instances in one request (limits.maxBatch)"
          + TensorJson.at(p));
    }
  }
}
