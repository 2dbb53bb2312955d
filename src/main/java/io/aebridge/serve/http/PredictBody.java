package io.aebridge.serve.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.aebridge.load.HostTensor;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import io.aebridge.serve.core.ServedModel;
import io.aebridge.serve.core.ServingCore;
import io.aebridge.serve.core.ServingException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.tensorflow.proto.DataType;

/**
 * A parsed TF Serving {@code :predict} body ({@code instances} or {@code inputs}), read straight into primitive
 * arrays in the dtypes of the signature it names; used by the TF Serving and the autoencoder endpoints.
 *
 * @param signature the signature to run
 * @param inputs the tensors by input key
 * @param rowFormat whether it came as {@code instances}
 * @param rows the number of instances (row format)
 */
record PredictBody(SignatureInfo signature, Map<String, HostTensor> inputs, boolean rowFormat, long rows) {

  /** A tensor as parsed, before its dtype is final. */
  private record Raw(NumberBuffer values, TensorJson.Shape shape) {}

  /**
   * Parses a TF Serving predict body against the signatures of {@code model}. Values are stored in the dtype of
   * the signature known when they are read ({@code signature_name} if it came first, else the default); when
   * {@code signature_name} comes later and names a signature needing more precision, the body is read again.
   */
  static PredictBody parse(byte[] body, ServedModel model, int maxBatch) throws IOException {
    return parse(body, model, maxBatch, null);
  }

  /** As {@link #parse(byte[], ServedModel, int)}, but always for signature {@code fixed} when it is not null. */
  static PredictBody parse(byte[] body, ServedModel model, int maxBatch, SignatureInfo fixed)
      throws IOException {
    if (fixed != null) {
      return read(body, model, fixed, maxBatch).toRequest(model, fixed);
    }
    SignatureInfo hint = model.defaultSignature().map(model.signatures()::get).orElse(null);
    Parsed first = read(body, model, hint, maxBatch);
    SignatureInfo sig = ServingCore.signature(model, first.signatureName);
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

    PredictBody toRequest(ServedModel model, SignatureInfo sig) {
      Map<String, HostTensor> inputs = new LinkedHashMap<>();
      for (Map.Entry<String, Raw> e : tensors.entrySet()) {
        String name = e.getKey();
        if (name.isEmpty()) {
          if (sig.inputs().size() != 1) {
            throw ServingException.invalid("Signature '" + sig.key() + "' of model '" + model.name() + "' has "
                + "inputs " + sig.inputs().stream().map(TensorSpec::key).toList() + "; name them ("
                + (rows ? "each instance an object" : "\"inputs\": {name: tensor}") + ")");
          }
          name = sig.inputs().get(0).key();
        }
        // An input the signature lacks keeps the dtype its numbers suggest; the serving core refuses it by name.
        TensorSpec spec = spec(sig, name);
        Raw raw = e.getValue();
        DataType dtype = spec == null ? raw.values().naturalDtype() : spec.dtype();
        inputs.put(name, raw.values().toTensor(raw.shape().dims(), dtype, name));
      }
      return new PredictBody(sig, inputs, rows, count);
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

  private static Parsed read(byte[] body, ServedModel model, SignatureInfo defaultHint, int maxBatch)
      throws IOException {
    Parsed out = new Parsed();
    try (JsonParser p = TensorJson.JSON.createParser(body)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw ServingException.invalid("The body must be a JSON object with \"instances\" or \"inputs\", found "
            + TensorJson.describe(p.currentToken()) + TensorJson.at(p));
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        switch (field) {
          case "signature_name" -> {
            if (value != JsonToken.VALUE_STRING) {
              throw ServingException.invalid("\"signature_name\" must be a string, found "
                  + TensorJson.describe(value) + TensorJson.at(p));
            }
            out.signatureName = p.getText();
          }
          case "instances", "inputs" -> {
            if (out.rows != null) {
              throw ServingException.invalid("A request has either \"instances\" or \"inputs\", not both"
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
        throw ServingException.invalid("Unexpected content after the request object" + TensorJson.at(p));
      }
    }
    if (out.rows == null) {
      throw ServingException.invalid("Missing \"instances\" or \"inputs\": the body must carry the input tensors");
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
      throw ServingException.invalid("\"instances\" must be a list with one entry per sample, found "
          + TensorJson.describe(p.currentToken()) + TensorJson.at(p));
    }
    JsonToken t = p.nextToken();
    if (t == JsonToken.END_ARRAY) {
      throw ServingException.invalid("\"instances\" is empty" + TensorJson.at(p));
    }
    boolean objects = t == JsonToken.START_OBJECT;
    long n = 0;
    if (!objects) {
      String name = hint != null && hint.inputs().size() == 1 ? hint.inputs().get(0).key() : "";
      if (hint != null && hint.inputs().size() > 1) {
        throw ServingException.invalid("Signature '" + hint.key() + "' has inputs " + hint.inputs().stream()
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
          throw ServingException.invalid("Instances must be all objects or all values; instance " + (n - 1) + " is "
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
          throw ServingException.invalid("Instance " + (n - 1) + " names inputs " + names + " but instance 0 named "
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
        throw ServingException.invalid("\"inputs\" is an empty object" + TensorJson.at(p));
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
      throw ServingException.invalid("Received a {\"b64\": …} value" + TensorJson.at(p) + ": base64 values are for "
          + "DT_STRING inputs, and this server serves numeric tensors only (DT_FLOAT, DT_DOUBLE, DT_INT32, "
          + "DT_INT64)");
    }
  }

  private static ServingException tooMany(int maxBatch, JsonParser p) {
    return ServingException.invalid("More than " + maxBatch + " instances in one request (limits.maxBatch)"
        + TensorJson.at(p));
  }
}
