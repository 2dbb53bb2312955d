package io.aebridge.serve.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.serve.Services;
import io.aebridge.serve.core.InferenceRequest;
import io.aebridge.serve.core.ServedModel;
import io.aebridge.serve.core.ServingException;
import io.aebridge.serve.core.VersionSelector;
import io.aebridge.serve.repository.CoreBackend;
import io.aebridge.spec.SignatureNames;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Endpoints for autoencoders — models with {@code encode}, {@code decode} and {@code serving_default} signatures of
 * one input and one output each, whatever their tensor names:
 *
 * <ul>
 *   <li>{@code GET /v1/ae/{m}}: input, code and image geometry;</li>
 *   <li>{@code POST /v1/ae/{m}/encode}, {@code /decode}: {@code {"instances": [...]}} → codes / reconstructions;</li>
 *   <li>{@code POST /v1/ae/{m}/reconstruct}: reconstructions plus each sample's mean squared reconstruction
 *       error, the anomaly score ({@code ?include=code} adds the codes);</li>
 *   <li>{@code POST /v1/ae/{m}/image}: a picture of any size (PNG, JPEG, GIF, BMP) → fitted to the model (the
 *       response lists each step), its reconstruction as PNG and its code; {@code ?noise=0.3} corrupts the input
 *       first (to watch a denoising model), {@code ?invert=auto|true|false}, {@code ?format=png} or
 *       {@code Accept: image/png} returns the reconstruction PNG itself.</li>
 * </ul>
 *
 * Each also exists under {@code /v1/ae/{m}/versions/{v}/…}. Samples may be sent flat or nested: a sample with as
 * many values as the signature's sample shape is reshaped to it.
 */
public final class AutoencoderApi {
  private static final String ENCODE = SignatureNames.ENCODE;
  private static final String DECODE = SignatureNames.DECODE;
  private static final String RECONSTRUCT = SignatureNames.SERVING_DEFAULT;

  private final Services s;

  public AutoencoderApi(Services services) {
    this.s = services;
  }

  public void register(Routes r) {
    for (String prefix : List.of("/v1/ae/{m}", "/v1/ae/{m}/versions/{v}")) {
      boolean versioned = prefix.contains("{v}");
      String which = versioned ? " (one version)" : "";
      r.get(prefix).tag("autoencoder").summary("Autoencoder geometry: input, code and image shapes" + which)
          .response("AutoencoderInfo").handle(ctx -> info(ctx, PathParams.version(ctx)));
      r.post(prefix + "/encode").tag("autoencoder").summary("Encode samples to codes" + which)
          .request("AeInstances").response("AeCodes").handle(ctx -> runSignature(ctx, PathParams.version(ctx), ENCODE, "codes"));
      r.post(prefix + "/decode").tag("autoencoder").summary("Decode codes to reconstructions" + which)
          .request("AeInstances").response("AeReconstructions").handle(ctx -> runSignature(ctx, PathParams.version(ctx), DECODE, "reconstructions"));
      r.post(prefix + "/reconstruct").tag("autoencoder")
          .summary("Reconstruct samples and score each by its reconstruction error (MSE)" + which)
          .description("Query: include=code adds the codes.").request("AeInstances").response("AeReconstructResponse")
          .handle(ctx -> reconstruct(ctx, PathParams.version(ctx)));
      r.post(prefix + "/image").tag("autoencoder")
          .summary("Reconstruct a picture of any size; JSON with PNGs, code and error, or the PNG itself" + which)
          .description("Query: noise (σ of Gaussian noise added before encoding, 0–1), seed, invert "
              + "(auto|true|false), format (json|png). Accept: image/png also returns the PNG.")
          .request("PngImage", "image/png").response("AeImageResponse").handle(ctx -> image(ctx, PathParams.version(ctx)));
    }
  }

  /** The signature {@code key} of an autoencoder, or 404 saying what the model has instead. */
  private static SignatureInfo signature(ServedModel h, String key) {
    SignatureInfo sig = h.signatures().get(key);
    if (sig == null || sig.inputs().size() != 1 || sig.outputs().size() != 1) {
      throw ServingException.notFound("Model '" + h.name() + "' version " + h.version() + " is not an autoencoder here: "
          + "it needs a signature '" + key + "' with one input and one output; its signatures are "
          + h.signatures().keySet());
    }
    return sig;
  }

  private void info(Context ctx, VersionSelector selector) throws IOException {
    PathParams.onlyQuery(ctx);
    String m = PathParams.model(ctx);
    try (ServedModel h = s.core().acquire(m, selector)) {
      Http.model(ctx, m);
      SignatureInfo rec = signature(h, RECONSTRUCT);
      SignatureInfo enc = signature(h, ENCODE);
      Geometry geo = geometry(h, rec.inputs().get(0));
      Http.json(ctx, g -> {
        g.writeStartObject();
        g.writeStringField("model", h.name());
        g.writeStringField("version", Long.toString(h.version()));
        writeTensor(g, "input", rec.inputs().get(0));
        writeTensor(g, "code", enc.outputs().get(0));
        writeTensor(g, "reconstruction", rec.outputs().get(0));
        if (geo != null) {
          g.writeObjectFieldStart("image");
          g.writeNumberField("height", geo.height);
          g.writeNumberField("width", geo.width);
          g.writeNumberField("channels", geo.channels);
          g.writeStringField("source", geo.source);
          g.writeEndObject();
        }
        if (!CardFacts.evaluation(h).isMissingNode()) { // demo lane: figures, examples, 2-D map for the gallery
          g.writeFieldName("evaluation");
          g.writeRawValue(CardFacts.evaluation(h).toString());
        }
        g.writeEndObject();
      });
    }
  }

  /** {@code anomaly_threshold} and one {@code is_anomaly} per error when the model card has a threshold. */
  private static void anomaly(JsonGenerator g, ServedModel h, double[] errors) throws IOException {
    Double threshold = CardFacts.anomalyThreshold(h);
    if (threshold != null) {
      g.writeNumberField("anomaly_threshold", threshold);
      g.writeArrayFieldStart("is_anomaly");
      for (double e : errors) {
        g.writeBoolean(e > threshold);
      }
      g.writeEndArray();
    }
  }

  private static void writeTensor(JsonGenerator g, String field, TensorSpec t) throws IOException {
    g.writeFieldName(field);
    TensorJson.writeSpec(g, t);
  }

  /** Parses {@code {"instances": [...]}} for the one input of {@code sig}, reshaping flat samples to its shape. */
  private HostTensor samples(Context ctx, ServedModel h, SignatureInfo sig) throws IOException {
    byte[] body = Http.body(ctx, s.config().limits().maxBodyBytes());
    PredictBody request = PredictBody.parse(body, h, s.config().limits().maxBatch(), sig);
    TensorSpec spec = sig.inputs().get(0);
    return fit(request.inputs().get(spec.key()), spec);
  }

  /** {@code t} reshaped to {@code [n, …spec]} when its samples hold exactly a sample's values. */
  static HostTensor fit(HostTensor t, TensorSpec spec) {
    long[] shape = t.shape();
    if (!spec.rankKnown() || shape.length == 0 || spec.accepts(shape)) {
      return t;
    }
    long per = 1;
    for (int i = 1; i < spec.shape().length; i++) {
      if (spec.shape()[i] < 0) {
        return t;
      }
      per *= spec.shape()[i];
    }
    long got = shape[0] == 0 ? 0 : t.elementCount() / shape[0];
    if (got != per) {
      return t;
    }
    long[] target = spec.shape().clone();
    target[0] = shape[0];
    return t.reshape(target);
  }

  private HostTensor run(ServedModel h, SignatureInfo sig, HostTensor input, long deadline) {
    InferenceRequest request = InferenceRequest.of(h.name(), new VersionSelector.Number(h.version()), sig.key(),
        Map.of(sig.inputs().get(0).key(), input));
    return s.core().infer(h, request, deadline).outputs().get(sig.outputs().get(0).key());
  }

  /** Runs one single-input signature ({@code encode} or {@code decode}) and answers its rows under {@code field}. */
  private void runSignature(Context ctx, VersionSelector selector, String key, String field)
      throws IOException {
    PathParams.onlyQuery(ctx);
    long deadline = s.deadline();
    try (ServedModel h = s.core().acquire(PathParams.model(ctx), selector)) {
      Http.model(ctx, h.name());
      SignatureInfo sig = signature(h, key);
      HostTensor rows = run(h, sig, samples(ctx, h, sig), deadline);
      Http.json(ctx, g -> {
        g.writeStartObject();
        header(g, h);
        writeRows(g, field, rows);
        g.writeEndObject();
      });
    }
  }

  private void reconstruct(Context ctx, VersionSelector selector) throws IOException {
    long deadline = s.deadline();
    PathParams.onlyQuery(ctx, "include");
    String include = ctx.queryParam("include");
    if (include != null && !include.equals("code")) {
      throw ServingException.invalid("include is '" + TensorJson.abbreviate(include) + "'; accepted: code");
    }
    boolean withCode = include != null;
    try (ServedModel h = s.core().acquire(PathParams.model(ctx), selector)) {
      Http.model(ctx, h.name());
      SignatureInfo sig = signature(h, RECONSTRUCT);
      HostTensor x = samples(ctx, h, sig);
      HostTensor rec = run(h, sig, x, deadline);
      HostTensor codes = withCode ? run(h, signature(h, ENCODE), x, deadline) : null;
      double[] errors = meanSquaredErrors(x, rec);
      Http.json(ctx, g -> {
        g.writeStartObject();
        header(g, h);
        writeRows(g, "reconstructions", rec);
        g.writeArrayFieldStart("errors");
        for (double e : errors) {
          g.writeNumber(e);
        }
        g.writeEndArray();
        g.writeStringField("error_metric", "mse");
        anomaly(g, h, errors); // demo lane: is_anomaly from the model card's threshold
        if (codes != null) {
          writeRows(g, "codes", codes);
        }
        g.writeEndObject();
      });
    }
  }

  /** Per-sample mean of squared differences; the shapes must agree. */
  static double[] meanSquaredErrors(HostTensor x, HostTensor rec) {
    if (!Arrays.equals(x.shape(), rec.shape())) {
      throw ServingException.invalid("The reconstruction has shape " + Arrays.toString(rec.shape()) + " but the input "
          + Arrays.toString(x.shape()) + "; reconstruction error needs equal shapes");
    }
    long n = x.shape().length == 0 ? 1 : x.shape()[0];
    int per = (int) (n == 0 ? 0 : x.elementCount() / n);
    double[] out = new double[(int) n];
    for (int i = 0; i < n; i++) {
      double sum = 0;
      for (int j = 0; j < per; j++) {
        double d = x.doubleAt(i * per + j) - rec.doubleAt(i * per + j);
        sum += d * d;
      }
      out[i] = per == 0 ? 0 : sum / per;
    }
    return out;
  }

  private static void header(JsonGenerator g, ServedModel h) throws IOException {
    g.writeStringField("model", h.name());
    g.writeStringField("version", Long.toString(h.version()));
  }

  private static void writeRows(JsonGenerator g, String field, HostTensor t) throws IOException {
    g.writeArrayFieldStart(field);
    long n = t.shape().length == 0 ? 0 : t.shape()[0];
    for (int i = 0; i < n; i++) {
      TensorJson.writeRow(g, t, i);
    }
    g.writeEndArray();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Images

  /** Image size of a model's samples and where it was learnt. */
  private record Geometry(int height, int width, int channels, String source) {}

  private static Geometry geometry(ServedModel h, TensorSpec input) {
    if (!input.rankKnown()) {
      return null;
    }
    long[] shape = input.shape();
    long per = 1;
    for (int i = 1; i < shape.length; i++) {
      if (shape[i] < 0) {
        return null;
      }
      per *= shape[i];
    }
    int[] card = CoreBackend.handle(h).imageShape();
    if (card != null && (long) card[0] * card[1] * card[2] == per) {
      return new Geometry(card[0], card[1], card[2], "model card");
    }
    if (shape.length == 4) {
      return new Geometry((int) shape[1], (int) shape[2], (int) shape[3], "input shape");
    }
    if (shape.length == 3) {
      return new Geometry((int) shape[1], (int) shape[2], 1, "input shape");
    }
    if (shape.length == 2) {
      long side = Math.round(Math.sqrt(per));
      if (side * side == per) {
        return new Geometry((int) side, (int) side, 1, "square of the input size");
      }
      side = Math.round(Math.sqrt(per / 3.0));
      if (3 * side * side == per) {
        return new Geometry((int) side, (int) side, 3, "square RGB of the input size");
      }
    }
    return null;
  }

  private void image(Context ctx, VersionSelector selector) throws IOException {
    long deadline = s.deadline();
    PathParams.onlyQuery(ctx, "noise", "seed", "invert", "format");
    double noise = doubleParam(ctx, "noise", 0, 0, 1);
    long seed = (long) doubleParam(ctx, "seed", 0, Long.MIN_VALUE, Long.MAX_VALUE);
    Images.Invert invert = switch (String.valueOf(ctx.queryParam("invert")).toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> Images.Invert.TRUE;
      case "false", "no", "0" -> Images.Invert.FALSE;
      case "auto", "null" -> Images.Invert.AUTO;
      default -> throw ServingException.invalid("invert must be auto, true or false");
    };
    String format = ctx.queryParam("format");
    boolean pngOut = "png".equals(format) || (format == null && Http.accepts(ctx, "image/png")
        && !Http.accepts(ctx, "application/json"));
    if (format != null && !format.equals("png") && !format.equals("json")) {
      throw ServingException.invalid("format must be json or png");
    }
    try (ServedModel h = s.core().acquire(PathParams.model(ctx), selector)) {
      Http.model(ctx, h.name());
      SignatureInfo rec = signature(h, RECONSTRUCT);
      TensorSpec in = rec.inputs().get(0);
      Geometry geo = geometry(h, in);
      if (geo == null) {
        throw ServingException.invalid("Cannot tell the image size of model '" + h.name() + "': its input is "
            + in.shapeText() + " and its model card gives no inputShape");
      }
      byte[] body = Http.body(ctx, s.config().limits().maxBodyBytes());
      Images.Prepared prepared = Images.prepare(body, geo.height, geo.width, geo.channels, invert,
          s.config().limits().maxImagePixels());
      List<String> steps = new java.util.ArrayList<>(prepared.steps());
      float[] clean = prepared.pixels().values();
      float[] fed = clean;
      if (noise > 0) {
        fed = Images.noisy(clean, noise, seed);
        steps.add(String.format(Locale.ROOT, "added Gaussian noise σ=%.3f (seed %d), clipped to [0, 1]", noise,
            seed));
      }
      long[] shape = in.shape().clone();
      shape[0] = 1;
      HostTensor x = HostTensor.ofFloats(shape, fed).castTo(in.dtype());
      HostTensor out = run(h, rec, x, deadline);
      SignatureInfo enc = h.signatures().get(ENCODE);
      HostTensor code = enc != null && enc.inputs().size() == 1 && enc.outputs().size() == 1
          && enc.inputs().get(0).dtype() == in.dtype() ? run(h, enc, x, deadline) : null;
      float[] recValues = out.floats();
      if (recValues.length != clean.length) {
        throw ServingException.invalid("The reconstruction has " + recValues.length + " values, the image "
            + clean.length);
      }
      double error = meanSquaredErrors(x, out)[0];
      double errorVsClean = meanSquaredErrors(HostTensor.ofFloats(shape, clean).castTo(out.dtype()), out)[0];
      byte[] recPng = Images.png(recValues, geo.height, geo.width, geo.channels);
      if (pngOut) {
        ctx.header("X-Reconstruction-Error", Double.toString(error));
        ctx.header("X-Preprocessing", String.join("; ", steps).replaceAll("[^\\x20-\\x7e]", "?"));
        Http.bytes(ctx, "image/png", recPng);
        return;
      }
      float[] fedValues = fed;
      Base64.Encoder b64 = Base64.getEncoder();
      Http.json(ctx, g -> {
        g.writeStartObject();
        header(g, h);
        g.writeArrayFieldStart("steps");
        for (String step : steps) {
          g.writeString(step);
        }
        g.writeEndArray();
        g.writeObjectFieldStart("image");
        g.writeNumberField("height", geo.height);
        g.writeNumberField("width", geo.width);
        g.writeNumberField("channels", geo.channels);
        g.writeEndObject();
        g.writeStringField("input_png", b64.encodeToString(Images.png(clean, geo.height, geo.width,
            geo.channels)));
        if (noise > 0) {
          g.writeStringField("noisy_png", b64.encodeToString(Images.png(fedValues, geo.height, geo.width,
              geo.channels)));
        }
        g.writeStringField("reconstruction_png", b64.encodeToString(recPng));
        if (code != null) {
          g.writeFieldName("code");
          TensorJson.writeFlat(g, code);
          long[] cs = code.shape();
          g.writeFieldName("code_shape");
          TensorJson.writeShape(g, Arrays.copyOfRange(cs, 1, cs.length));
        }
        g.writeNumberField("reconstruction_error", error);
        anomaly(g, h, new double[] {error}); // demo lane
        if (noise > 0) {
          g.writeNumberField("error_vs_clean", errorVsClean);
        }
        g.writeEndObject();
      });
    }
  }

  private static double doubleParam(Context ctx, String name, double fallback, double min, double max) {
    String v = ctx.queryParam(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    double d;
    try {
      d = Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw ServingException.invalid("Query parameter " + name + " must be a number, found '"
          + TensorJson.abbreviate(v) + "'");
    }
    if (!(d >= min && d <= max)) {
      throw ServingException.invalid("Query parameter " + name + " must lie in [" + min + ", " + max + "], found " + d);
    }
    return d;
  }
}
