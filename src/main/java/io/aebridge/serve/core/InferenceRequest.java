package io.aebridge.serve.core;

import io.aebridge.load.HostTensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One inference request, whatever protocol brought it.
 *
 * <p>Tensors are heap {@link HostTensor}s, so a request owns no native memory; their arrays are shared, not copied
 * (do not modify them after building the request). Immutable and safe to share between threads.
 *
 * @param model the model name
 * @param version which version; {@link VersionSelector#LATEST} when {@code null}
 * @param signature the signature key; empty (or {@code null}) for the model's default ({@code serving_default}, or
 *     its only signature)
 * @param inputs the input tensors by signature input key, in the order given
 * @param outputFilter the output keys wanted, in the order wanted; empty for every output in signature order
 * @param oneBatchSize whether the inputs whose leading dimension is a batch dimension (variable in the signature)
 *     must agree on it: the KServe V2 protocol's rule (Triton refuses "input 'b' batch size does not match other
 *     inputs"). TF Serving's {@code Predict} has no such rule: a signature may take a batch and, say, a lookup
 *     table of its own length, and such a request runs alone rather than merged with others.
 */
public record InferenceRequest(String model, VersionSelector version, String signature,
    Map<String, HostTensor> inputs, List<String> outputFilter, boolean oneBatchSize) {

  public InferenceRequest {
    Objects.requireNonNull(model, "model");
    version = version == null ? VersionSelector.LATEST : version;
    signature = signature == null ? "" : signature;
    Map<String, HostTensor> copy = new LinkedHashMap<>();
    inputs.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "input name"),
        Objects.requireNonNull(v, () -> "input '" + k + "'")));
    inputs = Collections.unmodifiableMap(copy);
    outputFilter = outputFilter == null ? List.of() : List.copyOf(outputFilter);
    if (new LinkedHashSet<>(outputFilter).size() != outputFilter.size()) {
      throw ServingException.invalid("The output filter names an output twice: " + outputFilter);
    }
  }

  /** A request whose batched inputs may differ in batch size (TF Serving's rule). */
  public InferenceRequest(String model, VersionSelector version, String signature, Map<String, HostTensor> inputs,
      List<String> outputFilter) {
    this(model, version, signature, inputs, outputFilter, false);
  }

  /** A request for every output of signature {@code signature} (empty for the default). */
  public static InferenceRequest of(String model, VersionSelector version, String signature,
      Map<String, HostTensor> inputs) {
    return new InferenceRequest(model, version, signature, inputs, List.of());
  }
}
