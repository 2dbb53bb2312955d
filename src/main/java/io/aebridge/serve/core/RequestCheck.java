package io.aebridge.serve.core;

import io.aebridge.load.HostTensor;
import io.aebridge.load.InvalidInputException;
import io.aebridge.load.SignatureInfo;
import io.aebridge.load.TensorSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * The one check of a request against its signature, before anything runs: names, dtypes and shapes (through
 * {@link SignatureInfo#checkInputs}), the batch limit, one batch size where the protocol asks for it
 * ({@link InferenceRequest#oneBatchSize()}), the outputs this server can return and the output filter. Stateless.
 */
final class RequestCheck {
  private RequestCheck() {}

  /**
   * @param model the model name, for messages
   * @param request its inputs, its output filter and whether its batched inputs must share one batch size
   * @param maxBatch the most samples one request may carry ({@code limits.maxBatch})
   * @throws ServingException INVALID_ARGUMENT naming what was expected and what came
   */
  static void check(String model, SignatureInfo sig, InferenceRequest request, int maxBatch) {
    Map<String, HostTensor> inputs = request.inputs();
    try {
      sig.checkInputs(inputs);
    } catch (InvalidInputException e) {
      throw ServingException.invalid("Model '" + model + "': " + e.getMessage());
    }
    // Unless the protocol says otherwise, inputs may disagree on the batch size (a signature may take a batch and a
    // lookup table); such a request runs alone rather than being merged with others (the batcher merges only
    // agreeing ones).
    Map<String, Long> batchSizes = new LinkedHashMap<>();
    for (TensorSpec spec : sig.inputs()) {
      long[] shape = inputs.get(spec.key()).shape();
      // Only a variable leading dimension is a batch dimension; a fixed one is part of the sample.
      if (!spec.batched() || shape.length == 0) {
        continue;
      }
      if (shape[0] > maxBatch) {
        throw ServingException.invalid("Input '" + spec.key() + "' holds a batch of " + shape[0] + " samples; the "
            + "limit is " + maxBatch + " (limits.maxBatch)");
      }
      batchSizes.put(spec.key(), shape[0]);
    }
    if (request.oneBatchSize() && new HashSet<>(batchSizes.values()).size() > 1) {
      StringJoiner sizes = new StringJoiner(", ");
      batchSizes.forEach((name, size) -> sizes.add("'" + name + "' " + size));
      throw ServingException.invalid("Model '" + model + "': the batched inputs must share one batch size (their "
          + "first dimension), found " + sizes + "; send one batch per request");
    }
    List<TensorSpec> wanted = new ArrayList<>();
    for (String name : request.outputFilter()) {
      TensorSpec out = sig.outputs().stream().filter(t -> t.key().equals(name)).findFirst().orElseThrow(() ->
          ServingException.invalid("The output filter names '" + Texts.abbreviate(name) + "', which signature '"
              + sig.key() + "' of model '" + model + "' does not return; its outputs are " + sig.outputNames()));
      wanted.add(out);
    }
    for (TensorSpec out : wanted.isEmpty() ? sig.outputs() : wanted) {
      if (!HostTensor.supports(out.dtype())) {
        throw ServingException.invalid("Signature '" + sig.key() + "' returns '" + out.key() + "' as " + out.dtype()
            + ", which this server cannot return; supported: " + HostTensor.SUPPORTED);
      }
    }
  }
}
