package io.aebridge.serve.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.serve.Services;
import io.aebridge.serve.core.ErrorCode;
import io.aebridge.serve.core.InferenceRequest;
import io.aebridge.serve.core.InferenceResponse;
import io.aebridge.serve.core.ServedModel;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.VersionSelector;
import io.aebridge.serve.repository.VersionStatus;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * TensorFlow Serving's REST API: model status, metadata and {@code :predict} in row ({@code instances}) and
 * columnar ({@code inputs}) form, for a model's latest version, a version number or a label. Request tensors are
 * parsed straight into primitive arrays ({@link PredictBody}); NaN and ±Infinity are accepted and written bare.
 * Decodes and encodes only: requests run through {@link io.aebridge.serve.core.ServingCore}. {@code GET} on a POST
 * verb answers 405.
 */
public final class TfServingApi {
  private static final String PREDICT_DESCRIPTION = "Body {\"signature_name\"?, \"instances\": [...]} (row form: "
      + "one entry per sample, objects when the signature has several inputs) or {\"signature_name\"?, "
      + "\"inputs\": ...} (columnar: one tensor or name → tensor). Row requests get {\"predictions\": ...}, "
      + "columnar ones {\"outputs\": ...}; a single output's name is left out.";

  private final Services s;

  public TfServingApi(Services services) {
    this.s = services;
  }

  public void register(Routes r) {
    r.get("/v1/models").tag("tf-serving").summary("List models with their versions and signatures")
        .description("Not part of TF Serving; used by the web page.").response("ModelList").handle(this::list);
    r.get("/v1/models/{m}").tag("tf-serving").summary("Status of every version of a model")
        .response("ModelStatus").handle(this::status);
    r.get("/v1/models/{m}/versions/{v}").tag("tf-serving").summary("Status of one version")
        .response("ModelStatus").handle(this::status);
    r.get("/v1/models/{m}/labels/{l}").tag("tf-serving").summary("Status of the version a label names")
        .response("ModelStatus").handle(this::status);
    r.get("/v1/models/{m}/metadata").tag("tf-serving").summary("Signatures of the latest version")
        .response("ModelMetadata").handle(ctx -> metadata(ctx, PathParams.version(ctx)));
    r.get("/v1/models/{m}/versions/{v}/metadata").tag("tf-serving").summary("Signatures of one version")
        .response("ModelMetadata").handle(ctx -> metadata(ctx, PathParams.version(ctx)));
    r.get("/v1/models/{m}/labels/{l}/metadata").tag("tf-serving").summary("Signatures of a labelled version")
        .response("ModelMetadata").handle(ctx -> metadata(ctx, PathParams.version(ctx)));
    r.post("/v1/models/{m}:predict").tag("tf-serving").summary("Predict with the latest version")
        .description(PREDICT_DESCRIPTION).request("PredictRequest").response("PredictResponse")
        .handle(ctx -> predict(ctx, PathParams.version(ctx)));
    r.post("/v1/models/{m}/versions/{v}:predict").tag("tf-serving").summary("Predict with one version")
        .description(PREDICT_DESCRIPTION).request("PredictRequest").response("PredictResponse")
        .handle(ctx -> predict(ctx, PathParams.version(ctx)));
    r.post("/v1/models/{m}/labels/{l}:predict").tag("tf-serving").summary("Predict with a labelled version")
        .description(PREDICT_DESCRIPTION).request("PredictRequest").response("PredictResponse")
        .handle(ctx -> predict(ctx, PathParams.version(ctx)));
    for (String verb : List.of("classify", "regress")) {
      r.post("/v1/models/{m}:" + verb).tag("tf-serving").summary("Not implemented: " + verb + " needs tf.Example "
          + "signatures; use :predict").handle(ctx -> {
            throw new ServingException(ErrorCode.UNIMPLEMENTED, ":" + verb + " is not implemented: it needs "
                + "tf.Example (DT_STRING) signatures, which this server does not serve; use :predict");
          });
    }
  }

  private void list(Context ctx) throws IOException {
    PathParams.onlyQuery(ctx);
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("models");
      for (String m : s.repository().knownModels()) {
        List<VersionStatus> versions;
        try {
          versions = s.repository().status(m);
        } catch (ServingException gone) {
          continue;
        }
        g.writeStartObject();
        g.writeStringField("name", m);
        g.writeArrayFieldStart("versions");
        for (VersionStatus v : versions) {
          StatusJson.writeVersionStatus(g, v);
        }
        g.writeEndArray();
        g.writeObjectFieldStart("labels");
        for (Map.Entry<String, Long> e : s.config().labelsOf(m).entrySet()) {
          g.writeStringField(e.getKey(), Long.toString(e.getValue()));
        }
        g.writeEndObject();
        if (s.repository().servedModels().contains(m)) {
          try (ServedModel h = s.core().acquire(m, VersionSelector.LATEST)) {
            g.writeStringField("latest", Long.toString(h.version()));
            g.writeArrayFieldStart("signatures");
            for (SignatureInfo sig : h.signatures().values()) {
              g.writeStartObject();
              g.writeStringField("name", sig.key());
              g.writeArrayFieldStart("inputs");
              for (TensorSpec t : sig.inputs()) {
                TensorJson.writeSpec(g, t);
              }
              g.writeEndArray();
              g.writeArrayFieldStart("outputs");
              for (TensorSpec t : sig.outputs()) {
                TensorJson.writeSpec(g, t);
              }
              g.writeEndArray();
              g.writeEndObject();
            }
            g.writeEndArray();
            g.writeBooleanField("autoencoder", SignatureInfo.isAutoencoder(h.signatures()));
          } catch (ServingException retired) {
            // Unloaded between the two looks: listed without signatures.
          }
        }
        g.writeEndObject();
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  /**
   * TF Serving's status: every version when the path names none, else the one the number or label names.
   */
  private void status(Context ctx) throws IOException {
    PathParams.refuseVerbOnGet(ctx);
    PathParams.onlyQuery(ctx);
    VersionSelector selector = PathParams.version(ctx);
    String m = PathParams.model(ctx);
    List<VersionStatus> all = s.repository().status(m);
    Http.model(ctx, m);
    List<VersionStatus> shown = all;
    if (!(selector instanceof VersionSelector.Latest)) {
      long version;
      if (selector instanceof VersionSelector.Label l) {
        Long v = s.config().labelsOf(m).get(l.label());
        if (v == null) {
          throw ServingException.notFound("Model '" + m + "' has no label '" + TensorJson.abbreviate(l.label())
              + "'; its labels are " + s.config().labelsOf(m));
        }
        version = v;
      } else {
        version = ((VersionSelector.Number) selector).version();
      }
      shown = all.stream().filter(v -> v.version() == version).toList();
      if (shown.isEmpty()) {
        throw ServingException.notFound("Could not find version " + version + " of model " + m + "; versions are "
            + all.stream().map(VersionStatus::version).toList());
      }
    }
    List<VersionStatus> answer = shown;
    Http.json(ctx, g -> {
      g.writeStartObject();
      g.writeArrayFieldStart("model_version_status");
      for (VersionStatus v : answer) {
        StatusJson.writeVersionStatus(g, v);
      }
      g.writeEndArray();
      g.writeEndObject();
    });
  }

  private void metadata(Context ctx, VersionSelector selector) throws IOException {
    PathParams.onlyQuery(ctx);
    String m = PathParams.model(ctx);
    try (ServedModel h = s.core().acquire(m, selector)) {
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

  private void predict(Context ctx, VersionSelector selector) throws IOException {
    PathParams.onlyQuery(ctx);
    String m = PathParams.model(ctx);
    long deadline = s.deadline();
    try (ServedModel h = s.core().acquire(m, selector)) {
      Http.model(ctx, m);
      byte[] body = Http.body(ctx, s.config().limits().maxBodyBytes());
      PredictBody request = PredictBody.parse(body, h, s.config().limits().maxBatch());
      InferenceResponse response = s.core().infer(h, InferenceRequest.of(m, selector, request.signature().key(),
          request.inputs()), deadline);
      Http.json(ctx, g -> writePrediction(g, request, response.outputs()));
    }
  }

  private static void writePrediction(JsonGenerator g, PredictBody request, Map<String, HostTensor> outputs)
      throws IOException {
    g.writeStartObject();
    if (request.rowFormat()) {
      long n = request.rows();
      for (Map.Entry<String, HostTensor> e : outputs.entrySet()) {
        long[] shape = e.getValue().shape();
        if (shape.length == 0 || shape[0] != n) {
          throw ServingException.invalid("Output '" + e.getKey() + "' has shape " + java.util.Arrays.toString(shape)
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
}
